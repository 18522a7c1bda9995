// Package pep440 owns Python version numbers and version specifiers as PEP 440 and
// pypa/packaging 26 define them: parsing, normalization, ordering, specifier membership,
// the pre-release policy applied to candidate lists, and specifier sets as version ranges
// (intersection, emptiness) for the resolver.
package pep440
