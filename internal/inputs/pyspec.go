package inputs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
)

// specifierAllows returns a test of whether a requires-python specifier allows some
// final release of Python "3.X". FC's patch level is not known here, so ">=3.10.5" allows
// 3.10 (FC's 3.10 is some 3.10.N), while "<3.10" or "!=3.10.*" does not.
func specifierAllows(spec string) (func(string) bool, error) {
	ss, err := pep440.ParseSpecifierSet(spec)
	if err != nil {
		return nil, err
	}
	allowed := ss.Range()
	return func(py string) bool {
		minor, err := strconv.Atoi(strings.TrimPrefix(py, "3."))
		if err != nil {
			return false
		}
		series, err := pep440.ParseSpecifierSet(fmt.Sprintf(">=3.%d.0,<3.%d", minor, minor+1))
		return err == nil && !allowed.Intersect(series.Range()).IsEmpty()
	}, nil
}
