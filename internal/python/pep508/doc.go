// Package pep508 owns dependency specifiers (PEP 508): requirement strings with name,
// extras, version specifier, direct URL and environment marker; markers and their
// evaluation against an explicit target environment (never the running machine); and
// project-name and extra normalization (PEP 503, PEP 685).
package pep508
