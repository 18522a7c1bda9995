package tags

import (
	"errors"
	"fmt"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/conformance"
)

func TestConformanceSupportedTags(t *testing.T) {
	var c struct {
		Tags map[string][]string `json:"tags"`
	}
	conformance.Load(t, "tags_goldens.json", &c)
	if len(c.Tags) == 0 {
		t.Fatal("tags_goldens.json: no lists")
	}
	for key, want := range c.Tags {
		if conformance.Skipped(t, "tags_goldens/tags/"+key) {
			continue
		}
		var py, gmaj, gmin int
		if _, err := fmt.Sscanf(key, "cp3%d-glibc%d.%d-x86_64", &py, &gmaj, &gmin); err != nil {
			t.Fatalf("golden key %q: %v", key, err)
		}
		set, err := Supported(Target{Python: [2]int{3, py}, Glibc: Glibc{Major: gmaj, Minor: gmin}})
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		got := set.Tags()
		if len(got) != len(want) {
			t.Errorf("%s: %d tags, want %d", key, len(got), len(want))
		}
		for i := 0; i < len(got) && i < len(want); i++ {
			if got[i].String() != want[i] {
				t.Errorf("%s: tag %d is %s, want %s", key, i, got[i], want[i])
				break
			}
		}
		for i, s := range want {
			tags, err := ParseTag(s)
			if err != nil || len(tags) != 1 {
				t.Fatalf("%s: golden tag %q: %v", key, s, err)
			}
			if idx, ok := set.Index(tags[0]); !ok || idx != i {
				t.Errorf("%s: Index(%s) = %d, %v; want %d", key, s, idx, ok, i)
			}
		}
	}
}

func TestConformanceInvalidWheelNames(t *testing.T) {
	var c struct {
		ParseWheelInvalid []struct {
			Filename string `json:"filename"`
		} `json:"parse_wheel_invalid"`
	}
	conformance.Load(t, "utils_vectors.json", &c)
	if len(c.ParseWheelInvalid) == 0 {
		t.Fatal("utils_vectors.json: no parse_wheel_invalid cases")
	}
	for i, w := range c.ParseWheelInvalid {
		if conformance.Skipped(t, fmt.Sprintf("utils_vectors/parse_wheel_invalid/%d", i)) {
			continue
		}
		got, err := ParseWheelName(w.Filename)
		if err == nil {
			t.Errorf("ParseWheelName(%q) = %+v, want an error", w.Filename, got)
		} else if !errors.Is(err, ErrInvalidWheelName) {
			t.Errorf("ParseWheelName(%q): %v does not wrap ErrInvalidWheelName", w.Filename, err)
		}
	}
}
