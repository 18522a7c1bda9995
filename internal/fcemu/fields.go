package fcemu

import (
	"bytes"
	"encoding/json"
	"strings"
)

// fields is a JSON request object by key. Both SDKs send JSON null for unset fields
// (fc-go-sdk has no omitempty; the FC 3.0 SDK for maps and lists), and null means
// "not given": on updates, "unchanged".
type fields map[string]json.RawMessage

func parseFields(body []byte) (fields, *apiError) {
	var f fields
	if err := json.Unmarshal(body, &f); err != nil || f == nil {
		return nil, invalidArg("the request body must be a JSON object")
	}
	return f, nil
}

func (f fields) given(key string) bool {
	raw, ok := f[key]
	return ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// field decodes key as a T: nil when not given, InvalidArgument naming the key and what
// it must be when it is not a T.
func field[T any](f fields, key string) (*T, *apiError) {
	if !f.given(key) {
		return nil, nil
	}
	var v T
	if err := json.Unmarshal(f[key], &v); err != nil {
		return nil, invalidArg("%s must be %s", key, kindOf(v))
	}
	return &v, nil
}

// kindOf says what a JSON value must be to decode into v's type.
func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int32:
		return "an integer"
	case bool, *bool:
		return "true or false"
	case map[string]*string:
		return "an object of strings"
	}
	return "valid"
}

// assign sets *dst to key's value when it is given and check (nil: none) accepts it.
func assign[T any](f fields, key string, dst *T, check func(T) *apiError) *apiError {
	v, apiErr := field[T](f, key)
	if apiErr != nil || v == nil {
		return apiErr
	}
	if check != nil {
		if apiErr := check(*v); apiErr != nil {
			return apiErr
		}
	}
	*dst = *v
	return nil
}

// assignStrings sets *dst to key's object of strings when it is given (null values are
// left out).
func assignStrings(f fields, key string, dst *map[string]string) *apiError {
	var m map[string]*string
	if apiErr := assign(f, key, &m, nil); apiErr != nil || m == nil {
		return apiErr
	}
	out := map[string]string{}
	for k, v := range m {
		if v != nil {
			out[k] = *v
		}
	}
	*dst = out
	return nil
}

// firstError is the first of errs that is not nil. A request's fields are all checked
// (and assigned) in order, and the first refusal is answered: the object they were
// assigned to is then dropped.
func firstError(errs ...*apiError) *apiError {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkRole accepts the role field (FC 2.0 services, FC 3.0 functions): empty or a RAM
// role ARN.
func checkRole(v string) *apiError {
	if v != "" && !strings.HasPrefix(v, "acs:ram::") {
		return invalidArg("role '%s' is not a RAM role ARN (acs:ram::<account>:role/<name>)", v)
	}
	return nil
}

// givenValue is key's value when it is given, else nil.
func (f fields) givenValue(key string) json.RawMessage {
	if !f.given(key) {
		return nil
	}
	return f[key]
}

// passthrough copies the given, non-null keys into dst: configuration the emulator
// stores and echoes without acting on it.
func (f fields) passthrough(dst map[string]json.RawMessage, keys ...string) map[string]json.RawMessage {
	for _, k := range keys {
		if f.given(k) {
			if dst == nil {
				dst = map[string]json.RawMessage{}
			}
			dst[k] = f[k]
		}
	}
	return dst
}
