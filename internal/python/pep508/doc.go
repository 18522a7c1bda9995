// Package pep508 owns dependency specifiers (PEP 508): requirement strings with name,
// extras, version specifier, direct URL and environment marker; markers and their
// evaluation against an explicit target environment (never the running machine); and
// project-name and extra normalization (PEP 503, PEP 685).
//
// Parsing, printing and evaluation follow pypa/packaging 26.4 to the letter: the same
// grammar and error messages, str(Requirement) and str(Marker) as String, and
// Marker.evaluate's rules (version comparison when the other side makes a valid
// specifier, Python string rules otherwise, substring tests for in/not in, errors
// for ~= and === on non-versions and for unknown names). The tests run packaging's
// requirement and marker vectors. Knowing differences: a quoted marker value with
// a \N{NAME} escape is refused, as Go has no table of Unicode character names; and
// parentheses nested more than 1000 deep are a syntax error (packaging overflows its
// recursion limit near 500) rather than a stack overflow.
//
// TargetEnv gives the environment of FC's runtimes (CPython, Linux, x86_64) for a
// Python version; Marker.Evaluate takes it with the extra being installed.
package pep508
