// Package wheeltest builds real wheels for tests, in memory or on disk: any name,
// version, tags, build tag, METADATA fields and files, with a correct WHEEL and RECORD
// and fixed timestamps (stable hashes), plus options that make them hostile (absolute
// paths, "..", symlinks, duplicates, lying sizes, zip bombs, RECORD and METADATA
// mismatches). It also holds the FIXTURE lithops distribution and its worker modules,
// and helpers to find a local CPython and unpack a zip. Nothing here is used by the
// action itself.
package wheeltest
