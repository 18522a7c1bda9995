package pep440

import "testing"

// conformanceSkips lists every conformance case this package does not run, keyed by
// "file/section/case", with the reason. It is empty: every case runs.
var conformanceSkips = map[string]string{}

// skipped reports whether a case is listed in conformanceSkips, logging the reason.
func skipped(t *testing.T, id string) bool {
	t.Helper()
	if reason, ok := conformanceSkips[id]; ok {
		t.Logf("skip %s: %s", id, reason)
		return true
	}
	return false
}
