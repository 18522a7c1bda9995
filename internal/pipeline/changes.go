package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/pylock"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// changeReport is what changes with this run's runtime: its lock against the live
// runtime's (or compare-to), for the job summary, the log and the changes output.
type changeReport struct {
	against string          // what the lock was compared with, for the summary
	changes *pylock.Changes // nil: nothing was compared
	why     string          // when nothing was compared: why not
}

// json is the changes output: pylock's schema 1, "" when nothing was compared.
func (c *changeReport) json() (string, error) {
	if c == nil || c.changes == nil {
		return "", nil
	}
	b, err := json.Marshal(c.changes)
	if err != nil {
		return "", fmt.Errorf("changes output: %w", err)
	}
	return string(b), nil
}

// section renders the report for the job summary.
func (c *changeReport) section(md *report.Markdown) {
	if c == nil {
		return
	}
	md.Heading(3, "What changes")
	if c.changes == nil {
		md.Paragraph("Not compared: " + c.why + ".")
		return
	}
	md.Paragraph("Compared with " + c.against + ".")
	md.Raw(c.changes.Markdown())
}

// changesStage compares the runtime's lock with a base: compare-to when given, else the
// live runtime's lock next to its metadata (lithops.LockKey of the first function), read
// by a deploy, a check, or a dry run whose credentials can read it. A missing live lock
// (or bucket) makes a first deploy. The report is information: a base that cannot be
// read or parsed is a warning and no report, never a failure; nothing is written.
func (r *run) changesStage(ctx context.Context) error {
	r.changes = &changeReport{}
	return r.rep.Stage("changes", func() error {
		now := r.lock.parsed
		base, err := r.baseLock(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			r.changes.why = err.Error()
			for _, a := range report.ErrorAnnotations(err) {
				a.Level, a.Message = report.LevelWarning, "no change report: "+a.Message
				if a.Title == "" {
					a.Title = "change report"
				}
				r.rep.Annotate(a)
			}
			return nil
		}
		if r.changes.why != "" {
			r.logf("changes: not compared: %s", r.changes.why)
			return nil
		}
		ch := pylock.Diff(base, now)
		r.changes.changes = &ch
		r.logf("changes: %s; compared with %s", ch.Summary(), r.changes.against)
		return nil
	})
}

// baseLock is the lock the runtime's is compared with (nil for a first deploy), and
// sets what it is in r.changes; a nil lock with r.changes.why set means there is none
// to compare with.
func (r *run) baseLock(ctx context.Context) (*pylock.Lock, error) {
	p, c := r.plan, r.changes
	if cfg := p.Config; cfg.CompareTo != "" {
		c.against = "compare-to " + cfg.Rel(cfg.CompareTo)
		l, err := pylock.ReadFile(ctx, cfg.CompareTo)
		var le *pylock.Error
		switch {
		case errors.As(err, &le):
			problem := le.Msg
			if le.Hint != "" {
				problem += " (" + le.Hint + ")"
			}
			return nil, &inputs.Error{Input: "compare-to", File: cfg.Rel(le.File), Line: le.Line, Problem: problem, Fix: "give a pylock.toml this action wrote"}
		case err != nil:
			return nil, fmt.Errorf("input compare-to: %w", err)
		}
		return l, nil
	}
	up, service, why, err := r.liveReader(ctx)
	if err != nil || up == nil {
		c.why = why
		return nil, err
	}
	key, err := p.Lithops.RuntimeKey(p.Config.Region, service, p.Workers[0].Name)
	if err != nil {
		c.why = err.Error()
		return nil, nil
	}
	if r.bucketMissing {
		c.against = "no lock: the storage bucket " + p.Bucket.name + " does not exist yet"
		return nil, nil
	}
	where := "oss://" + up.Bucket() + "/" + lithops.LockKey(key)
	c.against = "the live runtime's lock, " + where
	data, err := up.GetObject(ctx, lithops.LockKey(key))
	var ae *deploy.APIError
	switch {
	case errors.Is(err, deploy.ErrNotFound), errors.As(err, &ae) && ae.Code == "NoSuchBucket":
		c.against = "no lock: none is published at " + where + " yet"
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("the live runtime's lock %s cannot be read: %w", where, err)
	}
	l, err := pylock.Parse(where, data)
	if err != nil {
		// %v: its place is in the bucket, not a file of the workspace to annotate.
		return nil, fmt.Errorf("the live runtime's lock does not parse: %v", err)
	}
	return l, nil
}

// liveReader is what reads the storage bucket, and the FC 2.0 service that makes the
// runtime key: the deployer's in a deploy or check; in a dry run, one made from the
// credentials the run can find, when the region, the account and the bucket are known
// (nothing else is called). Without one it says why not; an error is credentials that
// are there and do not work.
func (r *run) liveReader(ctx context.Context) (up *deploy.Uploader, service, why string, err error) {
	p := r.plan
	if r.deployer != nil {
		if p.Bucket.name == "" {
			return nil, "", "no storage bucket to read the live runtime's lock from (publish-metadata: false without storage-bucket)", nil
		}
		return r.deployer.Uploader(), r.service, "", nil
	}
	cfg := p.Config
	const hint = "; give compare-to a lock (e.g. the base branch's) to compare with"
	keyID, temporary := knownCredentials(cfg, r.deps.Getenv)
	switch {
	case keyID == "" && !temporary:
		return nil, "", "a dry run without credentials cannot read the live runtime's lock" + hint, nil
	case cfg.Region == "" || cfg.AccountID == "":
		return nil, "", "a dry run needs region and account-id to read the live runtime's lock" + hint, nil
	}
	bucket := p.Bucket.name
	if bucket == "" && !temporary && p.Lithops.HasDefaultBucket() {
		bucket, _ = p.Lithops.DefaultBucket(cfg.Region, keyID, cfg.AccountID)
	}
	if bucket == "" {
		return nil, "", "a dry run needs storage-bucket to read the live runtime's lock" + hint, nil
	}
	creds, err := credentials.Resolve(ctx, credentials.Request{
		AccessKeyID: cfg.AccessKeyID, AccessKeySecret: cfg.AccessKeySecret, SecurityToken: cfg.SecurityToken,
		OIDCRoleARN: cfg.OIDCRoleARN, OIDCProviderARN: cfg.OIDCProviderARN, OIDCAudience: cfg.OIDCAudience,
	}, append(r.deps.credentialsOptions(), credentials.WithLog(r.logf))...)
	if err == nil {
		// STS answers are values the runner has never seen: masked before anything else.
		err = r.rep.Mask(creds.Secrets()...)
	}
	if err != nil {
		return nil, "", "the credentials do not work", fmt.Errorf("the live runtime's lock cannot be read: %w", err)
	}
	if p.API == fcruntime.FC2 {
		if service = cfg.Service; service == "" {
			if service, err = lithops.DefaultService(creds.AccessKeyID); err != nil {
				return nil, "", err.Error(), nil
			}
		}
	}
	dest := destination(cfg, p.API, creds, service)
	dest.Bucket = bucket
	d, err := deploy.New(dest, append(r.deps.deployOptions(), deploy.WithLog(r.logf))...)
	if err != nil {
		return nil, "", "", fmt.Errorf("the live runtime's lock cannot be read: %w", err)
	}
	return d.Uploader(), service, "", nil
}
