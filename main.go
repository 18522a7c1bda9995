// Command lithops-fc-runtime is the GitHub Action (and laptop tool) that builds a
// Lithops runtime for Alibaba Cloud Function Compute from a requirements file,
// deploys it and smoke-tests it. main only wires: inputs, the pipeline, the exit code.
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/pipeline"
	"github.com/lithops-fc/runtime-action/internal/report"
)

func main() { os.Exit(run()) }

func run() int {
	// GitHub cancels a job with SIGINT, then SIGTERM: both cancel the context, so every
	// stage stops and roll back runs.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := report.New()
	defer rep.Flush()

	cfg, err := inputs.Load(os.Args[1:], os.Getenv)
	if errors.Is(err, inputs.ErrHelp) {
		return 0
	}
	if err != nil {
		return pipeline.Fail(rep, err)
	}
	return pipeline.Execute(ctx, cfg, pipeline.Env{Getenv: os.Getenv, Report: rep})
}
