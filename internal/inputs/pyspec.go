package inputs

import "errors"

// specifierAllows returns a test of "3.X" against a requires-python specifier.
func specifierAllows(spec string) (func(string) bool, error) {
	return nil, errors.New("requires-python is not read yet (needs internal/python/pep440)")
}
