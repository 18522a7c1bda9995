package pipeline

import (
	"net/http"
	"time"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/local"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// Deps is what a run takes from outside its inputs. main sets Getenv and Report and
// leaves the rest zero: the real services with their defaults. Tests against the
// emulator set the rest; Execute sets Local.
type Deps struct {
	Getenv func(string) string // the runner's environment
	Report *report.Reporter
	// HTTP sends the package index requests; nil is a default client.
	HTTP *http.Client
	// Limits are FC's code limits, for the build's choice of delivery and the deployer's
	// of inline code alike; zero is fcruntime.Limits.
	Limits fcruntime.CodeLimits
	Cloud  Cloud
	// Local is --local's account: Run checks it has the plan's CPython and gives its
	// runtime FC's preinstalled modules, so what works on FC works locally.
	Local *local.Account
}

// Cloud is how a run calls FC, OSS and STS; the zero value is the real services with
// each client's own retries and waits.
type Cloud struct {
	STSEndpoint string             // "" is Alibaba Cloud's
	Retry       deploy.RetryPolicy // FC, OSS and STS calls; zero is each client's default
	Poll        time.Duration      // the first wait between FC 3.0 readiness polls; 0 is 1 s
	TempDir     string             // where replaced code is kept until a release ends; "" is the system's
}

// limits are the code limits in force.
func (d Deps) limits() fcruntime.CodeLimits {
	if d.Limits == (fcruntime.CodeLimits{}) {
		return fcruntime.Limits
	}
	return d.Limits
}

// credentialsOptions are the options of every credentials call.
func (d Deps) credentialsOptions() []credentials.Option {
	opts := []credentials.Option{credentials.WithGetenv(d.Getenv)}
	if d.Cloud.STSEndpoint != "" {
		opts = append(opts, credentials.WithSTSEndpoint(d.Cloud.STSEndpoint))
	}
	if r := d.Cloud.Retry; r.Attempts > 0 {
		opts = append(opts, credentials.WithRetry(r.Attempts, r.Base))
	}
	return opts
}

// deployOptions are the deployer's options besides its log and the inputs'.
func (d Deps) deployOptions() []deploy.Option {
	opts := []deploy.Option{deploy.WithInlineLimit(d.limits().InlineBase64)}
	if d.Cloud.Retry.Attempts > 0 {
		opts = append(opts, deploy.WithRetry(d.Cloud.Retry))
	}
	if d.Cloud.Poll > 0 {
		opts = append(opts, deploy.WithPollInterval(d.Cloud.Poll))
	}
	if d.Cloud.TempDir != "" {
		opts = append(opts, deploy.WithTempDir(d.Cloud.TempDir))
	}
	return opts
}
