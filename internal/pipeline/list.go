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
		prefix := lithops.WorkerPrefix
		switch {
		case p.runtime != "" && p.lithops != nil:
			prefix = p.lithops.FunctionPrefix(p.runtime)
		case p.runtime != "":
			prefix += p.runtime + "-v"
		}
		type key struct{ api, service, runtime, version string }
		groups := map[key]*report.RuntimeOutput{}
		versions := map[string]lithops.Lithops{}
		for _, api := range apis {
			service := ""
			if api == fcruntime.FC2 {
				var err error
				if service, err = r.fc2Service(); err != nil {
					if p.api == fcruntime.FC2 {
						return err
					}
					r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "FC 2.0 not listed",
						Message: "the runtimes of Lithops 3.6 and older live in an FC 2.0 service, and none is known: " + err.Error()})
					continue
				}
				r.out.ServiceName = service
			}
			d, err := r.deployerFor(api, service, "")
			if err != nil {
				return err
			}
			fns, err := d.List(ctx, prefix)
			if err != nil {
				return fmt.Errorf("list the functions on FC %s: %w", api, err)
			}
			for _, f := range fns {
				w, ok := lithops.ParseFunctionName(f.Name)
				if !ok {
					r.skipped = append(r.skipped, f.Name+": not a name Lithops 3.x gives a worker function")
					continue
				}
				l, _ := lithops.New(w.Version)
				switch {
				case l.API() != api:
					r.skipped = append(r.skipped, fmt.Sprintf("%s: Lithops %s deploys through FC %s, and its clients never look for it on FC %s", f.Name, w.Version, l.API(), api))
					continue
				case p.lithops != nil && w.Version != p.lithops.Version(), p.runtime != "" && w.Runtime != p.runtime:
					continue // another version or runtime, not asked for
				}
				if f.MemoryMB != w.MemoryMB {
					r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "memory changed",
						Message: fmt.Sprintf("function %s has %d MB, but Lithops named it for %d MB: a client asking for %d MB uses it with %d MB", f.Name, f.MemoryMB, w.MemoryMB, w.MemoryMB, f.MemoryMB)})
				}
				k := key{string(api), service, w.Runtime, w.Version}
				g := groups[k]
				if g == nil {
					g = &report.RuntimeOutput{RuntimeName: w.Runtime, LithopsVersion: w.Version, FCAPI: string(api), Service: service}
					groups[k] = g
					versions[w.Version] = l
				}
				py := ""
				if rt, ok := fcruntime.ByName(f.Runtime); ok {
					py = rt.Python
				}
				g.Memory = append(g.Memory, w.MemoryMB)
				g.Functions = append(g.Functions, report.ListedFunction{Memory: w.MemoryMB, Name: f.Name, FCRuntime: f.Runtime, Python: py,
					LastModified: f.LastModified, CodeSize: f.CodeSize, Metadata: report.Unknown, Lock: report.Unknown})
			}
		}
		// Whether each function's metadata and lock are published: one listing per
		// version (and service), in that version's bucket.
		published := map[key]map[string]bool{}
		for k, g := range groups {
			l := versions[k.version]
			bk := key{k.api, k.service, "", k.version}
			keys, listed := published[bk]
			if !listed {
				keys = nil
				bucket, err := r.bucketOf(l)
				if err != nil {
					r.rep.Annotate(report.Annotation{Level: report.LevelNotice, Title: "metadata not checked",
						Message: fmt.Sprintf("whether Lithops %s's runtimes have their metadata published is unknown: %v", l.Version(), err)})
				} else if bucket != "" {
					prefix, err := l.RuntimeKey(r.cfg.Region, k.service, lithops.WorkerPrefix)
					if err != nil {
						return err
					}
					d, err := r.deployerFor(fcruntime.API(k.api), k.service, bucket)
					if err != nil {
						return err
					}
					found, err := d.Uploader().ListObjects(ctx, "lithops.runtimes/"+prefix)
					if err != nil {
						return fmt.Errorf("list the runtime metadata in oss://%s: %w", bucket, err)
					}
					keys = map[string]bool{}
					for _, o := range found {
						keys[o] = true
					}
				}
				published[bk] = keys
			}
			if keys == nil {
				continue
			}
			for i, f := range g.Functions {
				rk, err := l.RuntimeKey(r.cfg.Region, k.service, f.Name)
				if err != nil {
					return err
				}
				g.Functions[i].Metadata, g.Functions[i].Lock = presence(keys[lithops.MetaKey(rk)]), presence(keys[lithops.LockKey(rk)])
			}
		}
		for _, g := range groups {
			sort.Slice(g.Functions, func(i, j int) bool { return g.Functions[i].Memory < g.Functions[j].Memory })
			sort.Ints(g.Memory)
			r.out.Runtimes = append(r.out.Runtimes, *g)
		}
		sort.Slice(r.out.Runtimes, func(i, j int) bool {
			a, b := r.out.Runtimes[i], r.out.Runtimes[j]
			if a.RuntimeName != b.RuntimeName {
				return a.RuntimeName < b.RuntimeName
			}
			if a.LithopsVersion != b.LithopsVersion {
				return versions[a.LithopsVersion].PEP440().Less(versions[b.LithopsVersion].PEP440())
			}
			return a.Service < b.Service
		})
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
