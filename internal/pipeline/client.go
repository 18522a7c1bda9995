package pipeline

import (
	"fmt"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// A Lithops client uses the deployed functions only when it finds their metadata in
// its storage bucket; otherwise it deploys the runtime itself, deleting a function of
// the same name first (lithops/invokers.py select_runtime). Everything here makes the
// run leave a runtime clients find, or say why not, before anything is built.

// checkAPI refuses an fc-api input that contradicts the Lithops version: the FC API,
// the runtime key a client looks up and the way it invokes all follow from the version.
func checkAPI(cfg inputs.Config, l lithops.Lithops) error {
	if cfg.FCAPI == "" || cfg.FCAPI == l.API() {
		return nil
	}
	how := map[fcruntime.API]string{
		fcruntime.FC2: "FC 2.0, functions inside a service, runtime keys aliyun_fc/VERSION/REGION/SERVICE/FUNCTION",
		fcruntime.FC3: "FC 3.0, functions without services, runtime keys aliyun_fc/VERSION/REGION/FUNCTION",
	}
	return &inputs.Error{Input: "fc-api",
		Problem: fmt.Sprintf("fc-api %s contradicts Lithops %s, whose clients deploy and invoke through %s: a runtime deployed through FC %s would never be found by them",
			cfg.FCAPI, l.Version(), how[l.API()], cfg.FCAPI),
		Fix: fmt.Sprintf("remove fc-api (auto follows the Lithops version) or set it to %s; to use FC %s, use a Lithops version that deploys through it", l.API(), cfg.FCAPI)}
}

// bucketPlan is where the runtime metadata goes, and why there.
type bucketPlan struct {
	name    string // "" when unknown (a dry run without the input) or not publishing
	dflt    bool   // Lithops' generated default for the deploying key
	publish bool
}

// decideBucket chooses the storage bucket the way a Lithops client of version l does:
// the storage-bucket input (the client's aliyun_oss.storage_bucket), else the name
// Lithops generates from the client's key, which the action can only match with the
// same long-lived key. Temporary keys (STS, OIDC) give a name that changes with each
// session, and Lithops before 3.3 generates none: then the input is required. keyID and
// temporary describe the credentials as far as they are known without a network call.
func decideBucket(cfg inputs.Config, l lithops.Lithops, keyID string, temporary bool) (bucketPlan, error) {
	b := bucketPlan{name: cfg.StorageBucket, publish: cfg.PublishMetadata}
	if b.name != "" || !b.publish || cfg.DryRun {
		return b, nil
	}
	fix := "set storage-bucket to the bucket your Lithops clients use (their aliyun_oss.storage_bucket; set one if they have none), " +
		"or publish-metadata: false to deploy without publishing (clients then replace the functions)"
	switch {
	case !l.HasDefaultBucket():
		return b, &inputs.Error{Input: "storage-bucket", Fix: fix,
			Problem: fmt.Sprintf("missing: Lithops %s clients have no default bucket (they require aliyun_oss.storage_bucket), and the runtime metadata must go to theirs", l.Version())}
	case temporary:
		return b, &inputs.Error{Input: "storage-bucket", Fix: fix,
			Problem: "missing, and the credentials are temporary (a security token, or OIDC): Lithops' default bucket name is made from the access key id, " +
				"which changes with every STS session, so no client would look where this run publishes the runtime metadata"}
	case keyID == "":
		return b, nil // no credentials: the credentials stage says so
	}
	name, err := l.DefaultBucket(cfg.Region, keyID, cfg.AccountID)
	if err != nil {
		return b, &inputs.Error{Input: "storage-bucket", Problem: "missing, and " + err.Error(), Fix: fix}
	}
	b.name, b.dflt = name, true
	return b, nil
}

// knownCredentials is what the credential inputs and environment say before any call:
// the key id and whether the keys are temporary (OIDC always is).
func knownCredentials(cfg inputs.Config, getenv func(string) string) (keyID string, temporary bool) {
	return credentials.Known(credentials.Request{AccessKeyID: cfg.AccessKeyID, SecurityToken: cfg.SecurityToken,
		OIDCRoleARN: cfg.OIDCRoleARN, OIDCProviderARN: cfg.OIDCProviderARN}, getenv)
}

// bucketNotices are what the user must know about the bucket: where the metadata goes
// when storage-bucket is not set, or that it is not published at all.
func (p *Plan) bucketNotices(functions []string) []report.Annotation {
	switch {
	case !p.Bucket.publish:
		return []report.Annotation{{Level: report.LevelWarning, Title: "runtime metadata not published",
			Message: fmt.Sprintf("publish-metadata is false: no Lithops client will find this runtime. A client that runs it deploys the runtime itself: "+
				"it deletes %s and creates its own from a zip built on the client machine (for a runtime name other than Lithops' default the client has no such zip, and fails after the deletion; for the default name it deploys a base runtime without your packages)",
				strings.Join(functions, ", "))}}
	case p.Bucket.dflt:
		return []report.Annotation{{Level: report.LevelNotice, Title: "storage bucket",
			Message: fmt.Sprintf("storage-bucket is not set: the runtime metadata goes to %s, the bucket Lithops %s clients use when their configuration sets no aliyun_oss.storage_bucket and they have this access key id (and account id). "+
				"A client with another key, or temporary keys, looks elsewhere and would replace the functions: give such clients storage_bucket: %s (the client-config output has it)",
				p.Bucket.name, p.Lithops.Version(), p.Bucket.name)}}
	}
	return nil
}

// clientConfig is the Lithops configuration matching this run. service is the FC 2.0
// service ("" when unknown).
func (p *Plan) clientConfig(service string) lithops.ClientConfig {
	c := p.Config
	bucket := p.Bucket.name
	if !p.Bucket.publish {
		bucket = ""
	}
	cc := lithops.ClientConfig{API: p.API, Region: c.Region, AccountID: c.AccountID, RoleARN: c.RoleARN, Service: service,
		Runtime: p.RuntimeName, Memory: c.RuntimeMemory, Timeout: c.RuntimeTimeout, Bucket: bucket}
	if p.Container {
		cc.Container = &lithops.ContainerRegistry{Server: c.Registry.Server, User: c.Registry.Namespace}
	}
	return cc
}

// staleCaches lists the cached metadata files client machines must delete after this
// run: those of runtime keys whose published metadata changed, and of functions whose
// code changed under an existing name (a client may hold the metadata it read, or that
// its own deploy wrote, before).
func staleCaches(fns []report.FunctionOutput, codeChanged map[string]bool, replaced map[string]bool) []string {
	var out []string
	for _, f := range fns {
		if f.RuntimeKey != "" && (codeChanged[f.Name] || replaced[lithops.MetaKey(f.RuntimeKey)]) {
			out = append(out, lithops.CacheFile(f.RuntimeKey))
		}
	}
	return out
}

// staleCacheWarning tells the user to drop the cached metadata on client machines.
func staleCacheWarning(files []string) report.Annotation {
	return report.Annotation{Level: report.LevelWarning, Title: "Lithops clients: drop the cached runtime metadata",
		Message: "this run changed a runtime clients may have used: Lithops caches a runtime's metadata on each client machine for good and never reads it again, " +
			"so a machine that used it before keeps the old module list (a module removed since is taken as installed and not shipped: ImportError in the workers). " +
			"On every such machine delete " + strings.Join(files, " and ")}
}

// serviceError turns the deployer's refusal into an input error that says how to
// proceed.
func serviceError(err error, service string) error {
	return &inputs.Error{Input: "update-service", Problem: err.Error(),
		Fix: fmt.Sprintf("set role-arn to the service's role (when that role may read and write the storage bucket), or set service to a service of its own for this runtime (it is created), or set update-service: true to change %s for every function in it", service)}
}
