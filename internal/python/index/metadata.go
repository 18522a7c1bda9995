package index

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Metadata holds the core-metadata fields resolution needs (core-metadata spec).
type Metadata struct {
	MetadataVersion string
	Name            string
	Version         string
	RequiresDist    []string // PEP 508 requirement strings, in file order
	RequiresPython  string
	ProvidesExtra   []string
}

// maxMetadataBytes bounds a METADATA file; real ones are well under 1 MiB.
const maxMetadataBytes = 16 << 20

// ParseMetadata reads a METADATA / PKG-INFO file: RFC 822 style "Key: value" lines,
// continuation lines starting with white space, repeated keys, and a body (the long
// description) after the first blank line, which is ignored.
func ParseMetadata(data []byte) (*Metadata, error) {
	if len(data) > maxMetadataBytes {
		return nil, fmt.Errorf("METADATA: %d bytes exceeds the %d byte limit", len(data), maxMetadataBytes)
	}
	var md Metadata
	var key string // the field a continuation line extends
	var val *string
	flush := func() {
		if key == "" {
			return
		}
		v := strings.TrimSpace(*val)
		switch key {
		case "metadata-version":
			md.MetadataVersion = v
		case "name":
			md.Name = v
		case "version":
			md.Version = v
		case "requires-python":
			md.RequiresPython = v
		case "requires-dist":
			if v != "" {
				md.RequiresDist = append(md.RequiresDist, v)
			}
		case "provides-extra":
			if v != "" {
				md.ProvidesExtra = append(md.ProvidesExtra, v)
			}
		}
		key = ""
	}
	rest := data
	if bytes.HasPrefix(rest, []byte("\xef\xbb\xbf")) {
		rest = rest[3:] // a UTF-8 byte-order mark
	}
	for lineNo := 1; len(rest) > 0; lineNo++ {
		var line []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			break // the body starts here
		}
		if line[0] == ' ' || line[0] == '\t' {
			if val == nil {
				return nil, fmt.Errorf("METADATA line %d: continuation line before any field", lineNo)
			}
			*val += " " + strings.TrimSpace(string(line))
			continue
		}
		flush()
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(bytes.TrimSpace(k)) == 0 || bytes.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("METADATA line %d: %q is not a \"Key: value\" field", lineNo, truncate(string(line), 60))
		}
		key = strings.ToLower(string(k))
		s := string(v)
		val = &s
	}
	flush()
	if md.Name == "" {
		return nil, fmt.Errorf("METADATA: no Name field")
	}
	if md.Version == "" {
		return nil, fmt.Errorf("METADATA for %s: no Version field", md.Name)
	}
	if md.MetadataVersion != "" {
		major, _, _ := strings.Cut(md.MetadataVersion, ".")
		if n, err := strconv.Atoi(major); err != nil || n < 1 || n > 2 {
			return nil, fmt.Errorf("METADATA for %s: unsupported Metadata-Version %q (want 1.x or 2.x)", md.Name, md.MetadataVersion)
		}
	}
	return &md, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
