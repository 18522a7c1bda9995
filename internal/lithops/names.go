package lithops

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// Reading names back: `lithops runtime list` and `lithops runtime delete` find a
// runtime's functions by listing the lithops-worker* functions and splitting each name
// (_unformat_function_name: the hash after the last "-", the version after the last
// "-v", dashes read back as dots; lithops@3.7.0 and 3.6.4 aliyun_fc.py). Lithops takes
// any such name at its word; here a name is a runtime's only when recomputing it gives
// it back, which also finds its memory size: the hash is sha1("{runtime}-{memory}-
// {version}"), and FC's sizes are few enough to try.

// WorkerPrefix starts every Lithops worker function name (Lithops' clean deletes every
// function named so).
const WorkerPrefix = "lithops-worker-"

// Worker is a Lithops worker function read back from its name.
type Worker struct {
	Name     string
	Runtime  string
	Version  string // the Lithops version, exactly as it made the name
	MemoryMB int
}

// FunctionPrefix starts the names of runtime's functions of this Lithops version, of
// every memory size.
func (l Lithops) FunctionPrefix(runtime string) string {
	return WorkerPrefix + runtime + "-v" + strings.ReplaceAll(l.version, ".", "-") + "-"
}

// MemoryOf returns the memory size name was made for when name is runtime's function
// of this Lithops version (FunctionName(runtime, memory) == name for one of FC's sizes).
func (l Lithops) MemoryOf(runtime, name string) (int, bool) {
	hash, ok := strings.CutPrefix(name, l.FunctionPrefix(runtime))
	if !ok || len(hash) != 10 {
		return 0, false
	}
	for mem := fcruntime.MinMemoryMB; mem <= fcruntime.MaxMemoryMB; mem += fcruntime.MemoryStepMB {
		sum := sha1.Sum([]byte(runtime + "-" + strconv.Itoa(mem) + "-" + l.version))
		if hex.EncodeToString(sum[:5]) == hash {
			return mem, true
		}
	}
	return 0, false
}

// ParseFunctionName reads a worker function's name back into its runtime, Lithops
// version and memory size, as Lithops splits it, and confirms it by recomputing the
// name. ok is false for a name Lithops (3.0 or later) would not have made: another
// tool's function, a hand-made one, a hash that matches no memory size.
func ParseFunctionName(name string) (Worker, bool) {
	rest, ok := strings.CutPrefix(name, WorkerPrefix)
	if !ok {
		return Worker{}, false
	}
	i := strings.LastIndex(rest, "-")
	if i < 0 {
		return Worker{}, false
	}
	runtime, dashed, ok := cutLast(rest[:i], "-v")
	if !ok || runtime == "" || dashed == "" {
		return Worker{}, false
	}
	version := strings.ReplaceAll(dashed, "-", ".")
	l, err := New(version)
	if err != nil {
		return Worker{}, false
	}
	mem, ok := l.MemoryOf(runtime, name)
	if !ok {
		return Worker{}, false
	}
	return Worker{Name: name, Runtime: runtime, Version: version, MemoryMB: mem}, true
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// Object suffixes of a runtime key's objects in the storage bucket (MetaKey, LockKey).
const (
	metaSuffix = ".meta.json"
	lockSuffix = ".pylock.toml"
)

// KeyPrefix starts the storage-bucket keys of the metadata and lock objects of
// runtime's functions of this version (every memory size) in region (and, up to 3.6,
// service): list it to find them.
func (l Lithops) KeyPrefix(region, service, runtime string) (string, error) {
	key, err := l.RuntimeKey(region, service, l.FunctionPrefix(runtime))
	if err != nil {
		return "", err
	}
	return "lithops.runtimes/" + key, nil
}

// FunctionOfKey returns the function a metadata or lock object under prefix (a
// KeyPrefix) belongs to, and whether key is one: "" and false for anything else.
func FunctionOfKey(prefix, key string) (string, bool) {
	dir := prefix[:strings.LastIndex(prefix, "/")+1]
	rest, ok := strings.CutPrefix(key, dir)
	if !ok || !strings.HasPrefix(key, prefix) || strings.Contains(rest, "/") {
		return "", false
	}
	for _, s := range []string{metaSuffix, lockSuffix} {
		if fn, ok := strings.CutSuffix(rest, s); ok {
			return fn, true
		}
	}
	return "", false
}
