package measure

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// allocEnv makes the test binary a child that touches that many bytes and exits.
const allocEnv = "MEASURE_TEST_ALLOC"

func TestMain(m *testing.M) {
	Launcher()
	if n, err := strconv.Atoi(os.Getenv(allocEnv)); err == nil {
		b := make([]byte, n)
		for i := range b {
			b[i] = 1
		}
		os.Exit(int(b[n/2]) - 1)
	}
	os.Exit(m.Run())
}

func child(n int) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), allocEnv+"="+strconv.Itoa(n))
	return cmd
}

func TestCommandMaxRSSIsTheChilds(t *testing.T) {
	// The parent's own peak must not show in its children (see the package doc).
	ballast := make([]byte, 300<<20)
	for i := range ballast {
		ballast[i] = 1
	}
	ctx := context.Background()
	small, err := Command(ctx, child(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	big, err := Command(ctx, child(200<<20))
	if err != nil {
		t.Fatal(err)
	}
	if small.MaxRSS <= 0 || small.MaxRSS > 100<<20 {
		t.Errorf("a child touching 1 MB: max RSS %d bytes, want a few MB (not the parent's 300 MB)", small.MaxRSS)
	}
	upper := int64(300 << 20)
	if raceEnabled {
		upper = 1 << 30
	}
	if big.MaxRSS < 200<<20 || big.MaxRSS > upper {
		t.Errorf("a child touching 200 MB: max RSS %d bytes, want 200 MB to %d MB", big.MaxRSS, upper>>20)
	}
	if small.Wall <= 0 || small.Wall > time.Minute {
		t.Errorf("wall %v", small.Wall)
	}
	ballast[0] = ballast[len(ballast)-1] // keep it alive until here
}

func TestCommandFailure(t *testing.T) {
	cmd := exec.Command("sh", "-c", "echo out; echo err >&2; exit 3")
	_, err := Command(context.Background(), cmd)
	if err == nil {
		t.Fatal("no error for exit status 3")
	}
	for _, want := range []string{"exit status 3", "out", "err"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []int64
		want int64
	}{
		{nil, 0},
		{[]int64{7}, 7},
		{[]int64{9, 1, 5}, 5},
		{[]int64{4, 1, 3, 2}, 3},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
