// Package measure times commands for the benchmarks: wall time and peak memory
// (the kernel's max resident set size) of a subprocess, and medians of runs; and it
// builds the action binary they time (BuildAction).
//
// A child's ru_maxrss is never below its parent's peak RSS at the time of the
// spawn: Go starts children with vfork (a shared address space), and Linux carries
// that address space's high-water mark over exec. So a benchmark that once held a
// large buffer would see it in every child. Command therefore starts the command from
// a fresh copy of the benchmark binary in launcher mode (Launcher, called first in
// main), whose own peak is a few megabytes; the launcher measures the command and
// reports on a pipe.
package measure

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// launcherArg as os.Args[1] puts the benchmark binary in launcher mode.
const launcherArg = "-measure.launch"

// Run is what one command cost.
type Run struct {
	Wall   time.Duration
	MaxRSS int64 // bytes; the largest resident set of the process and its children (ru_maxrss)
}

// Launcher runs the launcher when the binary was started as one, and then exits;
// otherwise it returns at once. Call it first in main.
func Launcher() {
	if len(os.Args) < 3 || os.Args[1] != launcherArg {
		return
	}
	report := os.NewFile(3, "report")
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024 // Linux reports kilobytes
	}
	fmt.Fprintf(report, "%d %d\n", wall, rss)
	report.Close()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		os.Exit(exit.ExitCode())
	case err != nil:
		fmt.Fprintf(os.Stderr, "launcher: %v\n", err)
		os.Exit(127)
	}
	os.Exit(0)
}

// Command runs cmd to completion through the launcher and measures it (only cmd's
// Path, Args, Dir, Env and Stdout/Stderr are used; ctx ends the launcher, whose end
// kills the command). On failure the error holds the
// command's combined output.
func Command(ctx context.Context, cmd *exec.Cmd) (Run, error) {
	self, err := os.Executable()
	if err != nil {
		return Run{}, fmt.Errorf("measure: %w", err)
	}
	var out bytes.Buffer
	l := exec.CommandContext(ctx, self, append([]string{launcherArg, cmd.Path}, cmd.Args[1:]...)...)
	l.Dir, l.Env, l.Stdout, l.Stderr = cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr
	if l.Stdout == nil {
		l.Stdout = &out
	}
	if l.Stderr == nil {
		l.Stderr = &out
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return Run{}, fmt.Errorf("measure: %w", err)
	}
	defer pr.Close()
	l.ExtraFiles = []*os.File{pw}
	err = l.Start()
	pw.Close()
	if err != nil {
		return Run{}, fmt.Errorf("measure: start %s: %w", cmd.Path, err)
	}
	report, _ := io.ReadAll(pr)
	err = l.Wait()
	var r Run
	var wall int64
	if _, serr := fmt.Sscan(string(report), &wall, &r.MaxRSS); serr != nil && err == nil {
		err = fmt.Errorf("launcher report %q: %v", report, serr)
	}
	r.Wall = time.Duration(wall)
	if err != nil {
		return r, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out.String())
	}
	return r, nil
}

// Median is the middle value (the upper one of an even count); zero for none.
func Median[T time.Duration | int64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// Walls is the Wall column of runs.
func Walls(rs []Run) []time.Duration {
	out := make([]time.Duration, len(rs))
	for i, r := range rs {
		out[i] = r.Wall
	}
	return out
}

// RSS is the MaxRSS column of runs.
func RSS(rs []Run) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.MaxRSS
	}
	return out
}

// MS formats a duration in milliseconds.
func MS(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

// MB formats bytes in (decimal) megabytes.
func MB(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// BuildAction builds the action's binary into dir, from the root of the module the
// benchmark runs in, and returns the binary's path and the module root (where the
// benchmarks' relative paths start).
func BuildAction(ctx context.Context, dir string) (binary, root string, err error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", "", fmt.Errorf("run from the module root: go env GOMOD: %v", err)
	}
	root = filepath.Dir(gomod)
	binary = filepath.Join(dir, "lithops-fc-runtime")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", binary, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return binary, root, nil
}
