package build

import (
	"github.com/lithops-fc/runtime-action/internal/pylock"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// lockFile renders pylock.toml (internal/pylock owns the format) for what went into the
// zip: one package per distribution, sorted by normalized name, each with its version,
// requires-python, index and the one wheel used (name, url or else path, size, sha256);
// URLs without credentials, query or fragment. The target is recorded as
// environments/requires-python; excluded distributions, and origin when given (with
// the glibc and the lithops wheel's version filled in), under [tool.lithops-fc-runtime].
func lockFile(createdBy string, t tags.Target, origin *pylock.Origin, lithopsVersion string, dists []*dist, excluded []string) ([]byte, error) {
	l := pylock.New(createdBy, t.PythonVersion())
	l.Excluded = excluded
	if origin != nil {
		o := *origin
		o.Target.Glibc, o.Target.Lithops = t.Glibc, lithopsVersion
		l.Origin = &o
	}
	for _, d := range dists {
		w := pylock.Wheel{Name: d.w.Filename, URL: urlcred.Strip(d.w.URL), Size: d.m.Size, SHA256: d.m.SHA256}
		if w.URL == "" {
			w.Path = d.w.Path
			if d.w.LockPath != "" {
				w.Path = d.w.LockPath
			}
		}
		l.Packages = append(l.Packages, pylock.Package{Name: d.key, Version: d.m.Version,
			RequiresPython: d.m.RequiresPython, Index: urlcred.Strip(d.w.Index), Wheel: w})
	}
	return l.Marshal()
}
