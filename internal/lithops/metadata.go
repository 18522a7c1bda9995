package lithops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
)

// MetadataRequest is the payload Lithops sends (sync invoke) to get a runtime's
// metadata; 20 is logging.INFO.
const MetadataRequest = `{"get_metadata": true, "log_level": 20}`

// Module is one preinstalls entry: a top-level module on sys.path and whether it is a
// package. JSON: ["name", is_pkg], as pkgutil.iter_modules gives it.
type Module struct {
	Name  string
	IsPkg bool
}

func (m Module) MarshalJSON() ([]byte, error) { return json.Marshal([]any{m.Name, m.IsPkg}) }

func (m *Module) UnmarshalJSON(b []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil || len(pair) != 2 {
		return fmt.Errorf("preinstalls entry %s is not [name, is_pkg]", b)
	}
	if err := json.Unmarshal(pair[0], &m.Name); err != nil {
		return fmt.Errorf("preinstalls entry %s: name is not a string", b)
	}
	if err := json.Unmarshal(pair[1], &m.IsPkg); err != nil {
		return fmt.Errorf("preinstalls entry %s: is_pkg is not a boolean", b)
	}
	return nil
}

// Metadata is what the entry point answers to MetadataRequest
// (lithops/worker/utils.py get_runtime_metadata).
type Metadata struct {
	Preinstalls    []Module `json:"preinstalls"`
	PythonVersion  string   `json:"python_version"` // major.minor of the runtime's interpreter
	LithopsVersion string   `json:"lithops_version"`
}

// ParseMetadata decodes a metadata answer. Like Lithops, it requires "preinstalls"; it
// also requires the two versions Lithops compares with the client's.
func ParseMetadata(body []byte) (Metadata, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return Metadata{}, fmt.Errorf("runtime metadata is not a JSON object: %w", err)
	}
	for _, k := range []string{"preinstalls", "python_version", "lithops_version"} {
		if _, ok := raw[k]; !ok {
			return Metadata{}, fmt.Errorf("runtime metadata has no %q", k)
		}
	}
	var m Metadata
	if err := json.Unmarshal(body, &m); err != nil {
		return Metadata{}, fmt.Errorf("runtime metadata: %w", err)
	}
	return m, nil
}

// Check compares the metadata with what the client will have, as Lithops does before
// using a runtime: the same Lithops version string and the same Python major.minor.
func (m Metadata) Check(python, lithopsVersion string) error {
	var errs []error
	if m.LithopsVersion != lithopsVersion {
		errs = append(errs, fmt.Errorf("the runtime has Lithops %q but the client will have %q (Lithops refuses the mismatch)", m.LithopsVersion, lithopsVersion))
	}
	if m.PythonVersion != python {
		errs = append(errs, fmt.Errorf("the runtime runs Python %q but the client runs %q (Lithops refuses the mismatch)", m.PythonVersion, python))
	}
	return errors.Join(errs...)
}

// Published renders the storage-bucket object lithops.runtimes/{key}.meta.json: the
// metadata plus runtime_timeout (seconds), byte for byte as Lithops' json.dumps writes
// it (", " and ": " separators, keys in this order, non-ASCII escaped: Lithops decodes
// the object as ASCII).
func (m Metadata) Published(runtimeTimeout int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"preinstalls": [`)
	for i, p := range m.Preinstalls {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('[')
		pyString(&b, p.Name)
		b.WriteString(", ")
		b.WriteString(strconv.FormatBool(p.IsPkg))
		b.WriteByte(']')
	}
	b.WriteString(`], "python_version": `)
	pyString(&b, m.PythonVersion)
	b.WriteString(`, "lithops_version": `)
	pyString(&b, m.LithopsVersion)
	b.WriteString(`, "runtime_timeout": `)
	b.WriteString(strconv.Itoa(runtimeTimeout))
	b.WriteByte('}')
	return b.Bytes()
}

// pyString writes s as Python's json.dumps does with ensure_ascii=True.
func pyString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r >= 0x20 && r <= 0x7e:
				b.WriteRune(r)
			case r > 0xffff:
				hi, lo := utf16.EncodeRune(r)
				fmt.Fprintf(b, `\u%04x\u%04x`, hi, lo)
			default:
				fmt.Fprintf(b, `\u%04x`, r)
			}
		}
	}
	b.WriteByte('"')
}
