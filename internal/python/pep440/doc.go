// Package pep440 owns Python version numbers and version specifiers as PEP 440 and
// pypa/packaging 26 define them: parsing, normalization, ordering, specifier membership,
// the pre-release policy applied to candidate lists, and specifier sets as version ranges
// (intersection, union, complement, emptiness) for the resolver.
//
// The behaviour follows packaging 26.4 to the letter, including its 26.1 narrowing of
// the <V and >V exclusions (1.0.post0 is in >1.0.dev1, 1.0rc1 is in <1.0.post1) and
// case-insensitive === against the candidate's original spelling. The tests run
// packaging's own vectors (pep440_vectors.json).
//
// # Membership and pre-releases
//
// Contains is plain set membership: a pre-release matches like any other version.
// The pre-release policy (PrereleasePolicy) applies to a list of candidates in
// Filter: pre-releases are kept only when asked (PreAllow), when a clause names one
// (>=2.0b1), or when no final release in the list matches.
//
// # Specifier sets as ranges
//
// SpecifierSet.Range maps a set to a Range, a union of intervals over the version
// order, by intersecting one range per clause:
//
//	>=V      [V, +inf)
//	<=V      (-inf, V+*]               V+* lies above V and every V+local
//	==V      [V, V+*]                  [V, V] when V has a local label
//	!=V      complement of ==V
//	>V       (V.post*, +inf)           V.post* lies above every V.postN; for V.postN
//	                                   it is [V.post(N+1).dev0, +inf), for V.devN
//	                                   [V.dev(N+1), +inf)
//	<V       (-inf, V.dev0)            (-inf, V) when V is a pre-release
//	~=X.Y    [X.Y, X+1.dev0)           the prefix without its last number, bumped
//	==X.Y.*  [X.Y.dev0, X.Y+1.dev0)
//	!=X.Y.*  complement of ==X.Y.*
//	===S     [S, S] if S is a version, else empty; === matches a spelling, so the
//	         range is the smallest one holding every match
//
// Versions are discrete, so an interval whose ends have no version between them is
// empty and dropped: IsEmpty is exact, and equals packaging's is_unsatisfiable.
package pep440
