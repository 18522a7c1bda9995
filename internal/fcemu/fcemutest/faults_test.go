package fcemutest

import (
	"testing"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
)

// TestFailAfter: the calls skipped pass, the next n fail, the rest pass again; other
// operations are not touched.
func TestFailAfter(t *testing.T) {
	var f Faults
	f.FailAfter(fcemu.OpDeleteFunction, 2, 2, 403, "AccessDenied")
	var got []bool
	for range 5 {
		_, _, failed := f.take(fcemu.OpDeleteFunction)
		got = append(got, failed)
		if _, _, other := f.take(fcemu.OpGetFunction); other {
			t.Fatal("another operation failed")
		}
	}
	want := []bool{false, false, true, true, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("calls failed %v, want %v", got, want)
		}
	}
	if status, code, _ := func() (int, string, bool) {
		f.FailAfter(fcemu.OpAny, 0, 1, 503, "ServiceUnavailable")
		return f.take(fcemu.OpListFunctions)
	}(); status != 503 || code != "ServiceUnavailable" {
		t.Errorf("FailAfter with no skip: %d %s", status, code)
	}
}
