package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// Removing runtimes: mode: delete (one runtime, one Lithops version) and prune (the
// older versions of the runtime just deployed). Both first find everything to remove
// (inventory: functions by prefix, each confirmed by its name; the metadata and lock
// objects in the version's bucket, which also finds those whose function is gone),
// then remove it (deploy.Deployer.Remove), and report each resource as deleted, already
// gone or, after a failure, remaining.

// scope is one Lithops version of one runtime where it lives: the FC API (and FC 2.0
// service) of its functions, the storage bucket of its metadata and lock.
type scope struct {
	l       lithops.Lithops
	runtime string
	service string // FC 2.0; "" on FC 3.0
	bucket  string // "": its objects are not looked for (a warning said why)
	d       *deploy.Deployer
	workers []Worker // what inventory found, by memory
	skipped []string // functions under the runtime's prefix that are not its own
}

// removal is one resource a delete or a prune dealt with.
type removal struct {
	out    report.ResourceOutput
	state  deploy.State
	reason string // a kept service: why
}

// inventory finds s's functions (all memory sizes, or only those given) and the memory
// sizes whose objects remain in the bucket.
func (r *run) inventory(ctx context.Context, s *scope, only []int) error {
	byMemory := map[int]string{}
	fns, err := s.d.List(ctx, s.l.FunctionPrefix(s.runtime))
	if err != nil {
		return err
	}
	for _, f := range fns {
		mem, ok := s.l.MemoryOf(s.runtime, f.Name)
		if !ok {
			s.skipped = append(s.skipped, f.Name)
			continue
		}
		byMemory[mem] = f.Name
	}
	if s.bucket != "" {
		prefix, err := s.l.KeyPrefix(r.cfg.Region, s.service, s.runtime)
		if err != nil {
			return err
		}
		keys, err := s.d.Uploader().ListObjects(ctx, prefix)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if fn, ok := lithops.FunctionOfKey(prefix, k); ok {
				if mem, ok := s.l.MemoryOf(s.runtime, fn); ok {
					byMemory[mem] = fn
				}
			}
		}
	}
	if only != nil {
		byMemory = map[int]string{}
		for _, m := range only {
			name, err := s.l.FunctionName(s.runtime, m)
			if err != nil {
				return err
			}
			byMemory[m] = name
		}
	}
	s.workers = nil
	for _, m := range sortedKeys(byMemory) {
		s.workers = append(s.workers, Worker{MemoryMB: m, Name: byMemory[m]})
	}
	return nil
}

// targets are what to remove of s: each function with its metadata and lock.
func (s *scope) targets(region string) ([]deploy.Target, error) {
	var out []deploy.Target
	for _, w := range s.workers {
		t := deploy.Target{Function: w.Name}
		if s.bucket != "" {
			key, err := s.l.RuntimeKey(region, s.service, w.Name)
			if err != nil {
				return nil, err
			}
			t.Objects = []string{lithops.MetaKey(key), lithops.LockKey(key)}
		}
		out = append(out, t)
	}
	return out, nil
}

// remove removes every scope in turn; a failure stops there, and what it and the later
// scopes hold is reported as remaining.
func (r *run) remove(ctx context.Context, scopes []*scope) error {
	for i, s := range scopes {
		targets, err := s.targets(r.cfg.Region)
		if err != nil {
			return err
		}
		res, err := s.d.Remove(ctx, targets, s.service != "")
		r.record(s, res)
		if err == nil {
			continue
		}
		var later []string
		for _, rest := range scopes[i+1:] {
			targets, terr := rest.targets(r.cfg.Region)
			if terr != nil {
				return errors.Join(err, terr)
			}
			pending := deploy.Pending(targets, rest.bucket)
			r.record(rest, pending)
			for _, p := range pending {
				later = append(later, p.String())
			}
		}
		if len(later) > 0 {
			err = fmt.Errorf("%w; not reached, so also still there: %s", err, strings.Join(later, ", "))
		}
		return err
	}
	return nil
}

// record adds what a removal did in s to the run's removals and outputs.
func (r *run) record(s *scope, res []deploy.Resource) {
	memory := map[string]int{}
	for _, w := range s.workers {
		memory[w.Name] = w.MemoryMB
	}
	c := r.cfg
	for _, x := range res {
		o := report.ResourceOutput{Kind: string(x.Kind), Name: x.Name, Memory: memory[x.Function], LithopsVersion: s.l.Version()}
		switch x.Kind {
		case deploy.KindFunction:
			o.Location = lithops.FunctionARN(s.l.API(), c.Region, c.AccountID, s.service, x.Name)
		case deploy.KindService:
			o.Location = fmt.Sprintf("acs:fc:%s:%s:services/%s", c.Region, c.AccountID, x.Name)
			o.LithopsVersion = ""
		case deploy.KindObject:
			o.Kind = "metadata"
			if strings.HasSuffix(x.Name, ".pylock.toml") {
				o.Kind = "lock"
			}
			o.Location = "oss://" + s.bucket + "/" + x.Name
		}
		r.removals = append(r.removals, removal{out: o, state: x.State, reason: x.Reason})
		switch x.State {
		case deploy.Deleted:
			r.out.Deleted = append(r.out.Deleted, o)
		case deploy.Gone:
			r.out.AlreadyGone = append(r.out.AlreadyGone, o)
		case deploy.Remains:
			r.out.Remaining = append(r.out.Remaining, o)
		}
	}
}

// deleteStage removes the planned runtime: its functions (the sizes given, or every one
// found), their metadata and locks, and on FC 2.0 its service when that is left empty
// and the action created it. A failure sets the outputs and the summary with what
// remains before it ends the run.
func (r *run) deleteStage(ctx context.Context) error {
	p := r.life
	r.out = report.Outputs{RuntimeName: p.runtime, LithopsVersion: p.lithops.Version()}
	return r.rep.Stage("delete", func() error {
		s := &scope{l: *p.lithops, runtime: p.runtime, bucket: p.bucket.name}
		if s.l.API() == fcruntime.FC2 {
			var err error
			if s.service, err = r.fc2Service(); err != nil {
				return err
			}
			r.out.ServiceName = s.service
		}
		var err error
		if s.d, err = r.deployerFor(s.l.API(), s.service, s.bucket); err != nil {
			return err
		}
		if err := r.inventory(ctx, s, p.memories); err != nil {
			return fmt.Errorf("find the runtime's functions and objects (nothing was deleted): %w", err)
		}
		r.noteSkipped(s)
		if len(s.workers) == 0 {
			r.logf("no function, metadata or lock of %s is left in %s: already gone", p.what(), r.where(s))
		}
		if err := r.remove(ctx, []*scope{s}); err != nil {
			r.finishLife(ctx)
			return err
		}
		return nil
	})
}

// where says where a scope was searched, for messages.
func (r *run) where(s *scope) string {
	w := r.cfg.Region
	if s.service != "" {
		w += ", FC 2.0 service " + s.service
	}
	if s.bucket != "" {
		w += ", bucket " + s.bucket
	}
	return w
}

// noteSkipped logs the functions under a runtime's prefix that are another's.
func (r *run) noteSkipped(s *scope) {
	if len(s.skipped) > 0 {
		r.logf("left alone: %d function(s) whose names start like %s's but that Lithops %s did not name for it: %s",
			len(s.skipped), s.runtime, s.l.Version(), strings.Join(s.skipped, ", "))
	}
}

// pruneStage, after a deploy that is live (verified, its metadata published), removes
// the runtime's older Lithops versions: their functions, on either FC API, their
// metadata and locks in each version's bucket, and FC 2.0 services the action created
// that are left empty. A failure leaves the new runtime live, sets the deploy's outputs
// with what remains and fails the run.
func (r *run) pruneStage(ctx context.Context) error {
	err := r.rep.Stage("prune", func() error {
		scopes, err := r.pruneScopes(ctx)
		if err != nil {
			return fmt.Errorf("find older versions of the runtime (nothing was deleted): %w", err)
		}
		if len(scopes) == 0 {
			r.logf("no older Lithops version of runtime %s found: nothing to prune", r.plan.RuntimeName)
			return nil
		}
		return r.remove(ctx, scopes)
	})
	if err == nil {
		return nil
	}
	err = fmt.Errorf("%w (the new runtime, Lithops %s, is live and stays: only removing the older versions failed)", err, r.plan.Lithops.Version())
	if ferr := r.finish(ctx); ferr != nil {
		return errors.Join(err, ferr)
	}
	return err
}

// pruneScopes finds the runtime's functions of Lithops versions older than the one
// deployed: on the deploy's FC API, and on FC 2.0 too after a move to FC 3.0 (Lithops
// 3.6 to 3.7). Lithops' default runtime name changed with 3.7: the default runtime's
// older functions are found under their version's default name.
func (r *run) pruneScopes(ctx context.Context) ([]*scope, error) {
	p := r.plan
	names := []string{p.RuntimeName}
	// The zip default runtime was renamed with 3.7; the container one has had one name.
	if p.Config.RuntimeName == "" && !p.Container {
		all, err := lithops.DefaultRuntimeNames(p.Python.Version)
		if err != nil {
			return nil, err
		}
		names = all
	}
	slices.Sort(names)
	names = slices.Compact(names)
	apis := []fcruntime.API{p.API}
	if p.API == fcruntime.FC3 {
		apis = append(apis, fcruntime.FC2)
	}
	byVersion := map[string]*scope{}
	for _, api := range apis {
		if err := r.findOlder(ctx, api, names, byVersion); err != nil {
			return nil, err
		}
	}
	var scopes []*scope
	for _, s := range byVersion {
		scopes = append(scopes, s)
	}
	sort.Slice(scopes, func(i, j int) bool { return scopes[i].l.PEP440().Less(scopes[j].l.PEP440()) })
	for _, s := range scopes {
		bucket, err := r.bucketOf(s.l)
		if err != nil {
			r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "prune",
				Message: fmt.Sprintf("the metadata and locks of Lithops %s's runtime %s are left: their bucket is not known (%v)", s.l.Version(), s.runtime, err)})
		}
		s.bucket = bucket
		if s.d, err = r.deployerFor(s.l.API(), s.service, s.bucket); err != nil {
			return nil, err
		}
		if err := r.inventory(ctx, s, nil); err != nil {
			return nil, err
		}
		r.logf("prune: Lithops %s's runtime %s: memory %s MB (%s)", s.l.Version(), s.runtime, joinInts(memories(s.workers), ", "), r.where(s))
	}
	return scopes, nil
}

// findOlder adds to byVersion the Lithops versions older than the deployed one whose
// functions of the runtime (under any of names) are on FC API api; on FC 2.0, in the
// service (unknown: FC 2.0 is skipped with a warning).
func (r *run) findOlder(ctx context.Context, api fcruntime.API, names []string, byVersion map[string]*scope) error {
	p := r.plan
	// The runtime's name under Lithops l: the input, or l's default name.
	expected := func(l lithops.Lithops) string {
		if p.Config.RuntimeName != "" {
			return p.Config.RuntimeName
		}
		name, _ := defaultRuntime(l, p.Python.Version, p.Config.DeployMode)
		return name
	}
	service := ""
	if api == fcruntime.FC2 {
		if service = r.service; service == "" {
			var err error
			if service, err = r.fc2Service(); err != nil {
				r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "prune",
					Message: "FC 2.0 (Lithops 3.6 and older) was not searched for older versions: " + err.Error()})
				return nil
			}
		}
	}
	d, err := r.deployerFor(api, service, "")
	if err != nil {
		return err
	}
	for _, name := range names {
		fns, err := d.List(ctx, lithops.WorkerPrefix+name+"-v")
		if err != nil {
			return err
		}
		for _, f := range fns {
			w, ok := lithops.ParseFunctionName(f.Name)
			if !ok {
				continue
			}
			l, err := lithops.New(w.Version)
			if err != nil || l.API() != api || w.Runtime != expected(l) || !l.PEP440().Less(p.Lithops.PEP440()) {
				continue
			}
			if byVersion[w.Version] == nil {
				byVersion[w.Version] = &scope{l: l, runtime: w.Runtime, service: service}
			}
		}
	}
	return nil
}

func memories(ws []Worker) []int {
	out := make([]int, len(ws))
	for i, w := range ws {
		out[i] = w.MemoryMB
	}
	return out
}

func sortedKeys(m map[int]string) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// removalSummary is the table of what a delete or a prune did, under a heading of level
// with title; none is the verdict when nothing was found.
func (r *run) removalSummary(md *report.Markdown, level int, title, none string) {
	var deleted, gone, left int
	for _, x := range r.removals {
		switch x.state {
		case deploy.Deleted:
			deleted++
		case deploy.Gone:
			gone++
		case deploy.Remains:
			left++
		}
	}
	verdict := "deleted"
	switch {
	case len(r.removals) == 0:
		md.Heading(level, title+": "+none)
		md.Paragraph("Nothing was found to delete.")
		return
	case left > 0:
		verdict = "not all deleted"
	case deleted == 0:
		verdict = "already gone"
	}
	md.Heading(level, title+": "+verdict)
	md.Paragraph(fmt.Sprintf("%d deleted, %d already gone, %d still there.", deleted, gone, left))
	t := report.Table{Columns: []report.Column{{Title: "what"}, {Title: "name", Code: true}, {Title: "memory (MB)", Right: true}, {Title: "Lithops"}, {Title: "state"}}}
	for _, x := range r.removals {
		mem := ""
		if x.out.Memory > 0 {
			mem = strconv.Itoa(x.out.Memory)
		}
		state := map[deploy.State]string{deploy.Deleted: "deleted", deploy.Gone: "already gone", deploy.Remains: "still there", deploy.Kept: "kept: " + x.reason}[x.state]
		name := x.out.Name
		if x.out.Kind == "metadata" || x.out.Kind == "lock" {
			name = x.out.Location
		}
		t.Rows = append(t.Rows, []string{x.out.Kind, name, mem, x.out.LithopsVersion, state})
	}
	md.Table(t)
}
