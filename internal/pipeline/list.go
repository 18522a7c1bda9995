package pipeline

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// listStage finds the runtimes deployed in the region, as `lithops runtime list` does:
// the lithops-worker-* functions (of the runtime name given, else all), on FC 3.0 and,
// in the FC 2.0 service, on FC 2.0 (or only the API of the Lithops version given),
// each read back from its name and grouped by runtime and Lithops version; and, in each
// version's storage bucket, whether its metadata and lock are published. Functions that
// Lithops did not name so are skipped and counted.
func (r *run) listStage(ctx context.Context) error {
	p := r.life
	r.out = report.Outputs{RuntimeName: p.runtime}
	if p.lithops != nil {
		r.out.LithopsVersion = p.lithops.Version()
	}
	return r.rep.Stage("list", func() error {
		apis := []fcruntime.API{fcruntime.FC3, fcruntime.FC2}
		if p.api != "" {
			apis = []fcruntime.API{p.api}
		}
		l := listing{groups: map[listKey]*report.RuntimeOutput{}, versions: map[string]lithops.Lithops{}}
		for _, api := range apis {
			if err := r.listAPI(ctx, api, &l); err != nil {
				return err
			}
		}
		if err := r.markPublished(ctx, &l); err != nil {
			return err
		}
		r.out.Runtimes = l.sorted()
		for _, g := range r.out.Runtimes {
			where := "FC " + g.FCAPI
			if g.Service != "" {
				where += ", service " + g.Service
			}
			r.logf("%s (Lithops %s, %s): memory %s MB", g.RuntimeName, g.LithopsVersion, where, joinInts(g.Memory, ", "))
		}
		r.logf("%d runtime(s) found", len(r.out.Runtimes))
		if len(r.skipped) > 0 {
			r.logf("skipped %d function(s) named lithops-worker-* that are no Lithops runtime's:\n  %s", len(r.skipped), strings.Join(r.skipped, "\n  "))
		}
		return nil
	})
}

// listKey is one runtime of one Lithops version where it lives; with runtime "", the
// version's bucket listing.
type listKey struct{ api, service, runtime, version string }

// listing is what a list found: the runtimes, and the Lithops of each version found.
type listing struct {
	groups   map[listKey]*report.RuntimeOutput
	versions map[string]lithops.Lithops
}

// listPrefix is the function name prefix to list: every worker, a runtime name's, or
// one version of it.
func (p *lifePlan) listPrefix() string {
	switch {
	case p.runtime != "" && p.lithops != nil:
		return p.lithops.FunctionPrefix(p.runtime)
	case p.runtime != "":
		return lithops.WorkerPrefix + p.runtime + "-v"
	}
	return lithops.WorkerPrefix
}

// listAPI lists the worker functions on one FC API (on FC 2.0, in the service) into l.
// Without a known FC 2.0 service, FC 2.0 is skipped with a warning unless it is the only
// API asked for.
func (r *run) listAPI(ctx context.Context, api fcruntime.API, l *listing) error {
	p := r.life
	service := ""
	if api == fcruntime.FC2 {
		var err error
		if service, err = r.fc2Service(); err != nil {
			if p.api == fcruntime.FC2 {
				return err
			}
			r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "FC 2.0 not listed",
				Message: "the runtimes of Lithops 3.6 and older live in an FC 2.0 service, and none is known: " + err.Error()})
			return nil
		}
		r.out.ServiceName = service
	}
	d, err := r.deployerFor(api, service, "")
	if err != nil {
		return err
	}
	fns, err := d.List(ctx, p.listPrefix())
	if err != nil {
		return fmt.Errorf("list the functions on FC %s: %w", api, err)
	}
	for _, f := range fns {
		w, ok := lithops.ParseFunctionName(f.Name)
		if !ok {
			r.skipped = append(r.skipped, f.Name+": not a name Lithops 3.x gives a worker function")
			continue
		}
		lv, _ := lithops.New(w.Version)
		switch {
		case lv.API() != api:
			r.skipped = append(r.skipped, fmt.Sprintf("%s: Lithops %s deploys through FC %s, and its clients never look for it on FC %s", f.Name, w.Version, lv.API(), api))
			continue
		case p.lithops != nil && w.Version != p.lithops.Version(), p.runtime != "" && w.Runtime != p.runtime:
			continue // another version or runtime, not asked for
		}
		if f.MemoryMB != w.MemoryMB {
			r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "memory changed",
				Message: fmt.Sprintf("function %s has %d MB, but Lithops named it for %d MB: a client asking for %d MB uses it with %d MB", f.Name, f.MemoryMB, w.MemoryMB, w.MemoryMB, f.MemoryMB)})
		}
		k := listKey{string(api), service, w.Runtime, w.Version}
		g := l.groups[k]
		if g == nil {
			g = &report.RuntimeOutput{RuntimeName: w.Runtime, LithopsVersion: w.Version, FCAPI: string(api), Service: service}
			l.groups[k] = g
			l.versions[w.Version] = lv
		}
		py := ""
		if rt, ok := fcruntime.ByName(f.Runtime); ok {
			py = rt.Python
		}
		g.Memory = append(g.Memory, w.MemoryMB)
		g.Functions = append(g.Functions, report.ListedFunction{Memory: w.MemoryMB, Name: f.Name, FCRuntime: f.Runtime, Python: py,
			LastModified: f.LastModified, CodeSize: f.CodeSize, Metadata: report.Unknown, Lock: report.Unknown})
	}
	return nil
}

// markPublished says whether each function's metadata and lock are published: one
// listing per version (and service), in that version's bucket. A bucket that cannot be
// known leaves them unknown, with a notice.
func (r *run) markPublished(ctx context.Context, l *listing) error {
	published := map[listKey]map[string]bool{}
	for k, g := range l.groups {
		lv := l.versions[k.version]
		bk := listKey{k.api, k.service, "", k.version}
		keys, listed := published[bk]
		if !listed {
			var err error
			if keys, err = r.publishedKeys(ctx, lv, fcruntime.API(k.api), k.service); err != nil {
				return err
			}
			published[bk] = keys
		}
		if keys == nil {
			continue
		}
		for i, f := range g.Functions {
			rk, err := lv.RuntimeKey(r.cfg.Region, k.service, f.Name)
			if err != nil {
				return err
			}
			g.Functions[i].Metadata, g.Functions[i].Lock = presence(keys[lithops.MetaKey(rk)]), presence(keys[lithops.LockKey(rk)])
		}
	}
	return nil
}

// publishedKeys are the objects under Lithops version lv's runtime keys in its bucket,
// nil when the bucket is not known.
func (r *run) publishedKeys(ctx context.Context, lv lithops.Lithops, api fcruntime.API, service string) (map[string]bool, error) {
	bucket, err := r.bucketOf(lv)
	if err != nil {
		r.rep.Annotate(report.Annotation{Level: report.LevelNotice, Title: "metadata not checked",
			Message: fmt.Sprintf("whether Lithops %s's runtimes have their metadata published is unknown: %v", lv.Version(), err)})
		return nil, nil
	}
	if bucket == "" {
		return nil, nil
	}
	prefix, err := lv.RuntimeKey(r.cfg.Region, service, lithops.WorkerPrefix)
	if err != nil {
		return nil, err
	}
	d, err := r.deployerFor(api, service, bucket)
	if err != nil {
		return nil, err
	}
	found, err := d.Uploader().ListObjects(ctx, "lithops.runtimes/"+prefix)
	if err != nil {
		return nil, fmt.Errorf("list the runtime metadata in oss://%s: %w", bucket, err)
	}
	keys := map[string]bool{}
	for _, o := range found {
		keys[o] = true
	}
	return keys, nil
}

// sorted are the runtimes found, by name, then Lithops version (PEP 440), then service;
// each one's functions by memory size.
func (l *listing) sorted() []report.RuntimeOutput {
	var out []report.RuntimeOutput
	for _, g := range l.groups {
		sort.Slice(g.Functions, func(i, j int) bool { return g.Functions[i].Memory < g.Functions[j].Memory })
		sort.Ints(g.Memory)
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.RuntimeName != b.RuntimeName {
			return a.RuntimeName < b.RuntimeName
		}
		if a.LithopsVersion != b.LithopsVersion {
			return l.versions[a.LithopsVersion].PEP440().Less(l.versions[b.LithopsVersion].PEP440())
		}
		return a.Service < b.Service
	})
	return out
}

func presence(ok bool) string {
	if ok {
		return report.Published
	}
	return report.Missing
}

// listSummary is a list's job summary: one row per function.
func (r *run) listSummary(md *report.Markdown) {
	md.Heading(2, r.life.what()+" in "+r.cfg.Region)
	if len(r.out.Runtimes) == 0 {
		md.Paragraph("No runtime found.")
	} else {
		t := report.Table{Columns: []report.Column{{Title: "runtime"}, {Title: "Lithops"}, {Title: "FC API"}, {Title: "memory (MB)", Right: true},
			{Title: "FC runtime", Code: true}, {Title: "Python"}, {Title: "last update"}, {Title: "code size", Right: true}, {Title: "metadata"}, {Title: "lock"}, {Title: "function", Code: true}}}
		for _, g := range r.out.Runtimes {
			api := g.FCAPI
			if g.Service != "" {
				api += " (" + g.Service + ")"
			}
			for _, f := range g.Functions {
				t.Rows = append(t.Rows, []string{g.RuntimeName, g.LithopsVersion, api, strconv.Itoa(f.Memory), f.FCRuntime, f.Python, f.LastModified,
					size(f.CodeSize), f.Metadata, f.Lock, f.Name})
			}
		}
		md.Table(t)
		md.Paragraph(fmt.Sprintf("%d runtime(s), %d function(s).", len(r.out.Runtimes), functionsIn(r.out.Runtimes)))
	}
	if len(r.skipped) > 0 {
		md.Paragraph(fmt.Sprintf("Skipped %d function(s) named lithops-worker-* that are no Lithops runtime's (see the log).", len(r.skipped)))
	}
}

func functionsIn(rts []report.RuntimeOutput) int {
	n := 0
	for _, g := range rts {
		n += len(g.Functions)
	}
	return n
}
