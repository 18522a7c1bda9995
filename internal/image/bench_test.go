package image

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/image/imagetest"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// BenchmarkBuildLargeWheel builds an image whose requirements layer holds one wheel with
// a single file of N MB of incompressible bytes, and reports the peak Go heap in use
// during the build (sampled every 5 ms): it must stay flat as N grows (layers stream).
//
//	go test ./internal/image -run '^$' -bench BuildLargeWheel -benchtime 1x
func BenchmarkBuildLargeWheel(b *testing.B) {
	for _, mb := range []int{16, 320} {
		b.Run(fmt.Sprintf("wheel=%dMB", mb), func(b *testing.B) {
			dir := b.TempDir()
			large := largeWheel(b, dir, mb<<20)
			base := mustInspect(b, imagetest.Debian12("3.12"))
			in := fixtureInput(b, dir)
			in.Wheels = []build.Wheel{large}
			b.SetBytes(int64(mb) << 20)
			b.ResetTimer()
			var peak uint64
			for i := 0; i < b.N; i++ {
				runtime.GC()
				stop := sampleHeap(&peak)
				res, err := Build(context.Background(), base, in, WithWorkDir(b.TempDir()))
				stop()
				if err != nil {
					b.Fatal(err)
				}
				if res.Layers[1].Uncompressed < int64(mb)<<20 {
					b.Fatalf("requirements layer %d bytes", res.Layers[1].Uncompressed)
				}
				res.Close()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// sampleHeap records the largest HeapInuse seen until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var max atomic.Uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > max.Load() {
				max.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		if m := max.Load(); m > *peak {
			*peak = m
		}
	}
}

// largeWheel writes a wheel holding size bytes of pseudo-random data in one stored
// entry, streaming (the data is never in memory whole).
func largeWheel(b testing.TB, dir string, size int) build.Wheel {
	b.Helper()
	const name, version = "bench-large", "1.0"
	p := filepath.Join(dir, "bench_large-1.0-py3-none-any.whl")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	zw := zip.NewWriter(f)
	record := &strings.Builder{}
	add := func(path string, method uint16, r io.Reader) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: path, Method: method})
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), r)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(record, "%s,sha256=%s,%d\n", path, base64.RawURLEncoding.EncodeToString(h.Sum(nil)), n)
	}
	rng := rand.NewChaCha8([32]byte{1})
	add("bench_large/__init__.py", zip.Deflate, strings.NewReader(""))
	add("bench_large/blob.bin", zip.Store, io.LimitReader(rng, int64(size)))
	add("bench_large-1.0.dist-info/METADATA", zip.Deflate, strings.NewReader("Metadata-Version: 2.1\nName: "+name+"\nVersion: "+version+"\n"))
	add("bench_large-1.0.dist-info/WHEEL", zip.Deflate, strings.NewReader("Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
	record.WriteString("bench_large-1.0.dist-info/RECORD,,\n")
	w, _ := zw.Create("bench_large-1.0.dist-info/RECORD")
	io.WriteString(w, record.String())
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return build.Wheel{Name: name, Version: pep440.MustParse(version), Path: p}
}

// BenchmarkImageVsPip builds the same wheels, side by side, into an image layer (ours:
// Build, both layers, every wheel inspected, no cache) and into a folder with pip plus
// a gzip'd tar of it (`python3 -m pip install --no-deps --no-index --no-compile
// --target DIR *.whl && tar -czf layer.tar.gz -C DIR .`: what a Dockerfile's RUN pip
// install and the layer docker writes cost, docker build being unavailable here). The
// wheels are the real-world wheelhouse (python3's installed distributions, repacked).
//
//	go test ./internal/image -run '^$' -bench ImageVsPip -benchtime 3x
func BenchmarkImageVsPip(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(wheeltest.RealWheelhouse(b), "files", "*.whl"))
	if len(files) == 0 {
		b.Skip("SKIPPED: the real-world wheelhouse has no wheels")
	}
	if err := exec.Command("python3", "-m", "pip", "--version").Run(); err != nil {
		b.Skip("SKIPPED: python3 -m pip is not available")
	}
	if _, err := exec.LookPath("tar"); err != nil {
		b.Skip("SKIPPED: tar is not installed")
	}
	var wheels []build.Wheel
	var total int64
	for _, f := range files {
		wn, err := tags.ParseWheelName(filepath.Base(f))
		if err != nil {
			b.Fatal(err)
		}
		st, _ := os.Stat(f)
		total += st.Size()
		wheels = append(wheels, build.Wheel{Name: wn.Name, Version: wn.Version, Path: f})
	}
	// The wheelhouse is python3's (3.11) with this machine's glibc: a base to match.
	spec := imagetest.Debian12("3.11")
	spec.Libc = imagetest.FakeLibc(imagetest.GlibcVersions(41), "2.41")
	base := mustInspect(b, spec)
	lithopsWheel := imagetest.Describe(b, b.TempDir(), imagetest.Lithops("3.7.0", ""))
	b.Logf("%d wheels, %.1f MB", len(wheels), float64(total)/(1<<20))

	b.Run("ours=image-build", func(b *testing.B) {
		b.SetBytes(total)
		for i := 0; i < b.N; i++ {
			res, err := Build(context.Background(), base, Input{Python: "3.11", Lithops: lithopsWheel, Wheels: wheels}, WithWorkDir(b.TempDir()))
			if err != nil {
				b.Fatal(err)
			}
			res.Close()
		}
	})
	b.Run("pip-install+tar", func(b *testing.B) {
		b.SetBytes(total)
		for i := 0; i < b.N; i++ {
			dir := b.TempDir()
			target := filepath.Join(dir, "site-packages")
			args := append([]string{"-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-compile", "--disable-pip-version-check", "--target", target}, files...)
			if out, err := exec.Command("python3", args...).CombinedOutput(); err != nil {
				b.Fatalf("pip: %v\n%s", err, out)
			}
			if out, err := exec.Command("tar", "-czf", filepath.Join(dir, "layer.tar.gz"), "-C", target, ".").CombinedOutput(); err != nil {
				b.Fatalf("tar: %v\n%s", err, out)
			}
		}
	})
}
