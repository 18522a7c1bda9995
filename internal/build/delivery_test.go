package build

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

func TestBudgetDelivery(t *testing.T) {
	// The largest zip whose base64 fits inline: 3/4 of the inline limit.
	inlineMax := fcruntime.Limits.InlineBase64 / 4 * 3
	tests := []struct {
		size int64
		want Delivery
	}{
		{1, Inline},
		{inlineMax, Inline},
		{inlineMax + 1, OSS},
		{100 << 20, OSS},
		{500 << 20, OSS},
		{500<<20 + 1, ""},
	}
	for _, tt := range tests {
		got, err := Deliver(fcruntime.Limits, tt.size, nil)
		if got != tt.want || (tt.want == "") != (err != nil) {
			t.Errorf("Delivery(%d) = %q, %v; want %q", tt.size, got, err, tt.want)
		}
	}
	if fcruntime.Base64Size(inlineMax) > fcruntime.Limits.InlineBase64 || fcruntime.Base64Size(inlineMax+3) <= fcruntime.Limits.InlineBase64 {
		t.Errorf("inline boundary is off: %d → %d", inlineMax, fcruntime.Base64Size(inlineMax))
	}
	if fcruntime.Limits.InlineBase64 > 104857600 || fcruntime.Limits.OSS != 524288000 {
		t.Errorf("fcruntime.Limits %+v does not match FC's limits", fcruntime.Limits)
	}
	var dists []Distribution
	for i := range 12 {
		dists = append(dists, Distribution{Name: fmt.Sprintf("d%02d", i), Version: "1.0", Compressed: int64(i) << 20, Uncompressed: int64(i) << 21})
	}
	_, err := Deliver(fcruntime.Limits, 600<<20, dists)
	var tl *TooLargeError
	if !errors.As(err, &tl) || len(tl.Largest) != 10 || tl.Largest[0].Name != "d11" || tl.Largest[9].Name != "d02" {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{"600.0 MB, over FC's 500.0 MB", "nothing was uploaded", "d11 1.0: 11.0 MB compressed, 22.0 MB unpacked", "`exclude`"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	if strings.Contains(err.Error(), "d01 ") {
		t.Error("more than ten distributions listed")
	}
}

// randomWheel is a wheel of n files of size bytes each, incompressible.
func randomWheel(name string, n, size int) wheeltest.Wheel {
	r := rand.New(rand.NewPCG(uint64(n), uint64(size)))
	w := wheeltest.Wheel{Name: name, Version: "1.0", Files: map[string][]byte{}}
	for i := range n {
		b := make([]byte, size)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		w.Files[fmt.Sprintf("%s/blob%03d.bin", name, i)] = b
	}
	return w
}

// TestAssembleOverBudget checks both refusals: before writing (the copied data alone is
// over the limit) and after (headers push it over); neither leaves a file behind.
func TestAssembleOverBudget(t *testing.T) {
	dir := t.TempDir()
	in := fixtureInput(t, dir, "3.7.0", py312)
	for i := range 12 {
		in.Wheels = append(in.Wheels, fixtureWheel(t, dir, randomWheel(fmt.Sprintf("blob%02d", i), 2, (i+1)*10_000)))
	}
	// Measure the real package first.
	res, err := Assemble(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var copied int64
	for _, d := range res.Distributions {
		copied += d.Compressed
	}
	for _, tc := range []struct {
		name string
		oss  int64
	}{{"before writing", copied - 1}, {"after writing", res.Size - 1}} {
		t.Run(tc.name, func(t *testing.T) {
			in.OutDir = filepath.Join(t.TempDir(), "out")
			os.MkdirAll(in.OutDir, 0o755)
			os.WriteFile(filepath.Join(in.OutDir, ZipName), []byte("an older package"), 0o644)
			_, err := Assemble(context.Background(), in, WithCodeLimits(fcruntime.CodeLimits{InlineBase64: 1000, OSS: tc.oss}))
			var tl *TooLargeError
			if !errors.As(err, &tl) {
				t.Fatalf("err = %v, want a *TooLargeError", err)
			}
			if len(tl.Largest) != 10 || tl.Largest[0].Name != "blob11" || tl.Limit != tc.oss {
				t.Errorf("largest %+v", tl.Largest)
			}
			if left, _ := filepath.Glob(filepath.Join(in.OutDir, "*")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
	in.OutDir = filepath.Join(t.TempDir(), "out")
	if res, err := Assemble(context.Background(), in, WithCodeLimits(fcruntime.CodeLimits{InlineBase64: 1000, OSS: 1 << 30})); err != nil || res.Delivery != OSS {
		t.Errorf("OSS delivery: %v, %+v", err, res)
	}
}

// TestAssembleMemoryFlat builds a small and a 64 times larger package with the same
// number of entries and checks the bytes allocated by Assemble do not grow with the
// package: the zip is streamed, never held in memory.
func TestAssembleMemoryFlat(t *testing.T) {
	measure := func(size int) (alloc uint64, zipSize int64) {
		dir := t.TempDir()
		in := fixtureInput(t, dir, "3.7.0", py312)
		for i := range 4 {
			in.Wheels = append(in.Wheels, fixtureWheel(t, dir, randomWheel(fmt.Sprintf("data%d", i), 8, size)))
		}
		// Inspect is the one-time cache step; measure the warm build alone.
		for i := range in.Wheels {
			m, err := Inspect(context.Background(), in.Wheels[i].Path)
			if err != nil {
				t.Fatal(err)
			}
			in.Wheels[i].Manifest = m
		}
		m, err := Inspect(context.Background(), in.Lithops.Path)
		if err != nil {
			t.Fatal(err)
		}
		in.Lithops.Manifest = m
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		res, err := Assemble(context.Background(), in)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		return after.TotalAlloc - before.TotalAlloc, res.Size
	}
	smallAlloc, smallZip := measure(16 << 10) // 32 files of 16 KiB: ~0.5 MB
	largeAlloc, largeZip := measure(1 << 20)  // 32 files of 1 MiB: ~32 MB
	t.Logf("small package %d bytes: %d bytes allocated; large package %d bytes: %d bytes allocated", smallZip, smallAlloc, largeZip, largeAlloc)
	if largeZip < 32*smallZip {
		t.Fatalf("large package is only %d bytes", largeZip)
	}
	if largeAlloc > smallAlloc+smallAlloc/2 {
		t.Errorf("allocations grew with the package: %d → %d bytes", smallAlloc, largeAlloc)
	}
}

// TestInspectMemoryFlat is the same check for Inspect, which decompresses everything.
func TestInspectMemoryFlat(t *testing.T) {
	measure := func(size int) uint64 {
		p := randomWheel("data", 8, size).MustWrite(t, t.TempDir())
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Inspect(context.Background(), p)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := measure(16<<10), measure(4<<20)
	t.Logf("Inspect allocated %d bytes for 8×16 KiB, %d bytes for 8×4 MiB", small, large)
	if large > small+small/2 {
		t.Errorf("Inspect allocations grew with the wheel: %d → %d bytes", small, large)
	}
}
