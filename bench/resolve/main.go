// Command resolve compares this project's resolver with pip's, side by side in one
// run, on the real-world wheelhouse (the wheels installed for python3, repacked
// into a PEP 503 index by ../shared/tools/repack-installed-wheels) served on
// loopback:
//
//	go run ./bench/resolve [-python 3.11] [-glibc 34] [-runs 5] [requirement ...]
//
// It prints the median wall time of each side and the ratio:
//   - pip, warm: `pip install --dry-run --report` with every manylinux platform of
//     the target, after one run that filled its HTTP cache;
//   - ours, warm: Resolve with a fresh index client on a filled cache folder (a new
//     process' view: pages revalidated, metadata read from disk);
//   - ours, cold: Resolve with an empty cache folder.
//
// Both sides read the same index from the same loopback server and must choose the
// same wheels; the program says so or fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lithops-fc/runtime-action/bench/measure"
	"github.com/lithops-fc/runtime-action/bench/wheelhouse"
	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/piptest"
	"github.com/lithops-fc/runtime-action/internal/python/resolve"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

func main() {
	python := flag.String("python", "3.11", "target CPython X.Y (the wheelhouse holds python3's cp311 wheels)")
	glibc := flag.Int("glibc", 34, "target glibc 2.N")
	runs := flag.Int("runs", 5, "timed runs per side")
	dir := flag.String("wheelhouse", "", "a repack-installed-wheels output folder (default: make one)")
	tool := flag.String("repack", wheelhouse.DefaultTool, "the repack tool")
	flag.Parse()
	reqs := flag.Args()
	if len(reqs) == 0 {
		reqs = []string{"moto[s3,server]"}
	}
	if err := run(*python, *glibc, *runs, *dir, *tool, reqs); err != nil {
		log.Fatal(err)
	}
}

func run(python string, glibc, runs int, dir, tool string, reqs []string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tmp, err := os.MkdirTemp("", "bench-resolve-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if dir == "" {
		dir = filepath.Join(tmp, "wheelhouse")
		summary, err := wheelhouse.Repack(ctx, tool, dir, "python3")
		if err != nil {
			return err
		}
		fmt.Printf("wheelhouse: %s\n", summary)
	}
	indexURL, err := wheelhouse.Serve(ctx, dir)
	if err != nil {
		return err
	}

	target, err := resolve.NewTarget(python, tags.Glibc{Major: 2, Minor: glibc})
	if err != nil {
		return err
	}
	request := resolve.Request{}
	for i, s := range reqs {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return err
		}
		request.Requirements = append(request.Requirements, resolve.Requirement{Requirement: r, Origin: fmt.Sprintf("argument %d", i+1)})
	}

	ours := func(cache string) (map[string]string, time.Duration, error) {
		start := time.Now()
		client, err := index.New(index.WithIndexURL(indexURL), index.WithCacheDir(cache))
		if err != nil {
			return nil, 0, err
		}
		res, err := resolve.Resolve(ctx, client, target, request)
		d := time.Since(start)
		if err != nil {
			return nil, d, err
		}
		got := map[string]string{}
		for _, dist := range res.Dists {
			got[dist.Name] = dist.Version.String() + " " + dist.Wheel.File.Filename
		}
		return got, d, nil
	}
	pipCache := filepath.Join(tmp, "pip-cache")
	runPip := func() (map[string]string, time.Duration, error) {
		report := filepath.Join(tmp, "report.json")
		args := []string{"-m", "pip", "install", "--dry-run", "--ignore-installed", "--report", report, "-q",
			"--disable-pip-version-check", "--cache-dir", pipCache, "--target", filepath.Join(tmp, "target")}
		args = append(append(append(args, piptest.TargetArgs(python, glibc)...), "--index-url", indexURL), reqs...)
		start := time.Now()
		out, err := exec.Command("python3", args...).CombinedOutput()
		d := time.Since(start)
		if err != nil {
			return nil, d, fmt.Errorf("pip: %v\n%s", err, out)
		}
		got, err := piptest.Report(report)
		return got, d, err
	}

	// Warm both sides once, and check that they agree.
	warmCache := filepath.Join(tmp, "warm")
	want, _, err := runPip()
	if err != nil {
		return err
	}
	got, _, err := ours(warmCache)
	if err != nil {
		return err
	}
	if !maps.Equal(got, want) {
		return fmt.Errorf("the resolvers disagree:\nours %v\npip  %v", got, want)
	}
	fmt.Printf("%s for cp%s glibc 2.%d: %d distributions, the same wheels on both sides\n",
		strings.Join(reqs, " "), strings.ReplaceAll(python, ".", ""), glibc, len(got))

	var pipWarm, oursWarm, oursCold []time.Duration
	for i := range runs {
		_, d, err := runPip()
		if err != nil {
			return err
		}
		pipWarm = append(pipWarm, d)
		if _, d, err = ours(warmCache); err != nil {
			return err
		}
		oursWarm = append(oursWarm, d)
		if _, d, err = ours(filepath.Join(tmp, "cold"+strconv.Itoa(i))); err != nil {
			return err
		}
		oursCold = append(oursCold, d)
	}
	pw, ow, oc := measure.Median(pipWarm), measure.Median(oursWarm), measure.Median(oursCold)
	fmt.Printf("median of %d runs:\n", runs)
	fmt.Printf("  pip --dry-run --report, warm cache  %8.1f ms\n", ms(pw))
	fmt.Printf("  resolve, warm cache                 %8.1f ms   pip/ours = %.1fx\n", ms(ow), float64(pw)/float64(ow))
	fmt.Printf("  resolve, cold cache                 %8.1f ms   pip/ours = %.1fx\n", ms(oc), float64(pw)/float64(oc))
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
