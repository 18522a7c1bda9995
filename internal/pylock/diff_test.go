package pylock_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/pylock"
)

// TestDiffRealLocks: the change report between two locks build.Assemble wrote from two
// FIXTURE wheelhouses is exact: versions ordered by PEP 440 (1.9 → 1.10 is an upgrade),
// a same-version wheel with other bytes is rebuilt, a new mirror URL is no change.
func TestDiffRealLocks(t *testing.T) {
	before := assemble(t, t.TempDir(), "https://files.example.org/a/", nil,
		binary("numpy", "1.26.4"), pipelinetest.Module("pandas", "2.2.2", ""), pipelinetest.Module("old-lib", "0.3", ""),
		pipelinetest.Module("urllib3", "2.2.1", ""), pipelinetest.Module("ver", "1.9", ""), pipelinetest.Module("rebuilt", "1.0", "A = 1\n"))
	after := assemble(t, t.TempDir(), "https://mirror.example.org/b/", nil,
		binary("numpy", "2.1.0"), pipelinetest.Module("pandas", "2.2.2", ""), pipelinetest.Module("tzdata", "2024.1", ""),
		pipelinetest.Module("urllib3", "1.26.18", ""), pipelinetest.Module("ver", "1.10", ""), pipelinetest.Module("rebuilt", "1.0", "A = 2\n"))

	dist := func(m madeLock, name string) *pylock.Dist {
		p := m.Wheels[name]
		return &pylock.Dist{Version: m.Lock.Package(name).Version, Wheel: filepath.Base(p), SHA256: fileSHA256(t, p)}
	}
	want := pylock.Changes{
		Changes: []pylock.Change{
			{Name: "numpy", Kind: pylock.Upgraded, Before: dist(before, "numpy"), After: dist(after, "numpy")},
			{Name: "old-lib", Kind: pylock.Removed, Before: dist(before, "old-lib")},
			{Name: "rebuilt", Kind: pylock.Rebuilt, Before: dist(before, "rebuilt"), After: dist(after, "rebuilt")},
			{Name: "tzdata", Kind: pylock.Added, After: dist(after, "tzdata")},
			{Name: "urllib3", Kind: pylock.Downgraded, Before: dist(before, "urllib3"), After: dist(after, "urllib3")},
			{Name: "ver", Kind: pylock.Upgraded, Before: dist(before, "ver"), After: dist(after, "ver")},
		},
		Unchanged: 8, // lithops, its 6 worker modules, pandas
	}
	got := pylock.Diff(before.Lock, after.Lock)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Diff (-want +got):\n%s", diff)
	}
	if want.Changes[2].Before.SHA256 == want.Changes[2].After.SHA256 {
		t.Fatal("the rebuilt fixture has the same bytes twice")
	}

	const summary = "numpy 1.26.4 → 2.1.0, urllib3 2.2.1 → 1.26.18 (downgrade), ver 1.9 → 1.10, +1 new dependency, -1 removed, 1 rebuilt"
	if s := got.Summary(); s != summary {
		t.Errorf("Summary = %q\nwant      %q", s, summary)
	}
	short := func(sha string) string { return sha[:12] + "…" }
	rb, ra := want.Changes[2].Before, want.Changes[2].After
	md := summary + "\n\n| distribution | before | after | change |\n|---|---|---|---|\n" +
		"| numpy | 1.26.4 | 2.1.0 | upgraded |\n" +
		"| old-lib | 0.3 | — | removed |\n" +
		"| rebuilt | 1.0 (`rebuilt-1.0-py3-none-any.whl`, sha256 `" + short(rb.SHA256) + "`) | 1.0 (`rebuilt-1.0-py3-none-any.whl`, sha256 `" + short(ra.SHA256) + "`) | rebuilt |\n" +
		"| tzdata | — | 2024.1 | added |\n" +
		"| urllib3 | 2.2.1 | 1.26.18 | downgraded |\n" +
		"| ver | 1.9 | 1.10 | upgraded |\n"
	if diff := cmp.Diff(md, got.Markdown()); diff != "" {
		t.Errorf("Markdown (-want +got):\n%s", diff)
	}

	// The JSON form, read back as a consumer of the `changes` output would.
	raw, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema      int            `json:"schema"`
		FirstDeploy bool           `json:"first_deploy"`
		Summary     string         `json:"summary"`
		Counts      map[string]int `json:"counts"`
		Changes     []struct {
			Name   string       `json:"name"`
			Change string       `json:"change"`
			Before *pylock.Dist `json:"before"`
			After  *pylock.Dist `json:"after"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{"added": 1, "removed": 1, "upgraded": 2, "downgraded": 1, "rebuilt": 1, "unchanged": 8}
	if doc.Schema != 1 || doc.FirstDeploy || doc.Summary != summary || !cmp.Equal(doc.Counts, counts) || len(doc.Changes) != 6 {
		t.Errorf("JSON %s", raw)
	}
	for i, c := range doc.Changes {
		w := want.Changes[i]
		if c.Name != w.Name || c.Change != string(w.Kind) || !cmp.Equal(c.Before, w.Before) || !cmp.Equal(c.After, w.After) {
			t.Errorf("JSON change %d: %+v, want %+v", i, c, w)
		}
	}

	// The other way round, and against itself.
	back := pylock.Diff(after.Lock, before.Lock)
	if s := back.Summary(); s != "numpy 2.1.0 → 1.26.4 (downgrade), urllib3 1.26.18 → 2.2.1, ver 1.10 → 1.9 (downgrade), +1 new dependency, -1 removed, 1 rebuilt" {
		t.Errorf("reverse Summary = %q", s)
	}
	if same := pylock.Diff(after.Lock, after.Lock); !same.Empty() || same.Summary() != "no changes (13 distributions)" {
		t.Errorf("a lock against itself: %+v %q", same, same.Summary())
	}
}
