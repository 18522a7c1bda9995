// Command lithops-fc-runtime is the GitHub Action (and laptop tool) that builds a
// Lithops runtime for Alibaba Cloud Function Compute from a requirements file,
// deploys it and smoke-tests it. main only wires: inputs, the pipeline, the exit code.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/pipeline"
	"github.com/lithops-fc/runtime-action/internal/report"
)

func main() { os.Exit(run()) }

func run() (code int) {
	// GitHub cancels a job with SIGINT, then SIGTERM: both cancel the context, so every
	// stage stops and roll back runs.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := report.New()
	defer rep.Flush()
	// The last resort: a bug's message and stack may hold anything, so they go through
	// the Reporter's sanitizer too, like every other line.
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(os.Stderr, "%s\n", rep.Sanitize(fmt.Sprintf("internal error: %v\n%s", v, debug.Stack())))
			rep.Annotate(report.Annotation{Level: report.LevelError, Title: "internal error", Message: fmt.Sprintf("%v (a bug: please report it with the log)", v)})
			code = 1
		}
	}()

	// Masked before anything is printed: a bad input's error may quote its URL.
	rep.Mask(inputs.Secrets(os.Args[1:], os.Getenv)...)
	cfg, err := inputs.Load(os.Args[1:], os.Getenv, inputs.WithEnviron(os.Environ()), inputs.WithWarn(func(msg string) {
		rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "unknown input", Message: msg})
	}))
	if errors.Is(err, inputs.ErrHelp) {
		return 0
	}
	if err != nil {
		return pipeline.Fail(rep, err)
	}
	return pipeline.Execute(ctx, cfg, pipeline.Deps{Getenv: os.Getenv, Report: rep})
}
