package index

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
)

// Metadata holds the core-metadata fields resolution needs (core-metadata spec).
type Metadata struct {
	MetadataVersion string // as written, "" when absent
	Name            string // as written; compare with pep508.NormalizeName
	Version         pep440.Version
	RequiresDist    []pep508.Requirement // in file order; extras appear in their markers
	RequiresPython  pep440.SpecifierSet  // the zero set (any Python) when absent
	ProvidesExtra   []string             // as written; compare with pep508.NormalizeName
}

// maxMetadataBytes bounds a METADATA file; real ones are well under 1 MiB.
const maxMetadataBytes = 16 << 20

// ParseMetadata reads a METADATA / PKG-INFO file: RFC 822 style "Key: value" lines,
// continuation lines starting with white space (joined with a space), repeated keys, and a
// body (the long description) after the first blank line, which is ignored. Errors give
// the line number.
func ParseMetadata(data []byte) (*Metadata, error) {
	if len(data) > maxMetadataBytes {
		return nil, fmt.Errorf("METADATA: %d bytes exceeds the %d byte limit", len(data), maxMetadataBytes)
	}
	type field struct {
		key, value string
		line       int
	}
	var fields []field
	rest := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte-order mark
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
			if len(fields) == 0 {
				return nil, fmt.Errorf("METADATA line %d: continuation line before any field", lineNo)
			}
			last := &fields[len(fields)-1]
			last.value += " " + strings.TrimSpace(string(line))
			continue
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(k) == 0 || bytes.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("METADATA line %d: %q is not a \"Key: value\" field", lineNo, truncate(string(line), 60))
		}
		fields = append(fields, field{key: strings.ToLower(string(k)), value: string(v), line: lineNo})
	}

	var md Metadata
	var version, requiresPython string
	var versionLine, requiresPythonLine int
	for _, f := range fields {
		v := strings.TrimSpace(f.value)
		switch f.key {
		case "metadata-version":
			md.MetadataVersion = v
		case "name":
			md.Name = v
		case "version":
			version, versionLine = v, f.line
		case "requires-python":
			requiresPython, requiresPythonLine = v, f.line
		case "requires-dist":
			if v == "" {
				continue
			}
			req, err := pep508.ParseRequirement(v)
			if err != nil {
				return nil, fmt.Errorf("METADATA line %d: Requires-Dist %q: %w", f.line, truncate(v, 80), err)
			}
			md.RequiresDist = append(md.RequiresDist, req)
		case "provides-extra":
			if v != "" {
				md.ProvidesExtra = append(md.ProvidesExtra, v)
			}
		}
	}
	if md.Name == "" {
		return nil, fmt.Errorf("METADATA: no Name field")
	}
	if md.MetadataVersion != "" {
		major, _, _ := strings.Cut(md.MetadataVersion, ".")
		if n, err := strconv.Atoi(major); err != nil || n < 1 || n > 2 {
			return nil, fmt.Errorf("METADATA for %s: unsupported Metadata-Version %q (want 1.x or 2.x)", md.Name, md.MetadataVersion)
		}
	}
	if version == "" {
		return nil, fmt.Errorf("METADATA for %s: no Version field", md.Name)
	}
	var err error
	if md.Version, err = pep440.Parse(version); err != nil {
		return nil, fmt.Errorf("METADATA line %d: Version %q: %w", versionLine, truncate(version, 80), err)
	}
	if md.RequiresPython, err = pep440.ParseSpecifierSet(requiresPython); err != nil {
		return nil, fmt.Errorf("METADATA line %d: Requires-Python %q: %w", requiresPythonLine, truncate(requiresPython, 80), err)
	}
	return &md, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
