// Package resolve owns dependency resolution for one target runtime: from root
// requirements, constraints and an index to one pinned wheel per distribution, or an
// explanation of why no set of wheels fits.
//
// # Use
//
//	target, _ := resolve.NewTarget("3.12", tags.Glibc{Major: 2, Minor: 31})
//	res, err := resolve.Resolve(ctx, client, target, resolve.RequestFromFile(f),
//		resolve.WithLog(logf))
//
// The Source (an *index.Client) lists projects and reads wheel metadata. The Result
// has, for every distribution, its version, the chosen wheel (file, URL, hashes,
// tag), the extras installed, whether the user asked for it and the chain of
// requirements that pulled it in. A *NoSolutionError explains a failure in words.
//
// # The algorithm: PubGrub
//
// Resolution is PubGrub (as in Dart's pub, pubgrub-rs and uv) rather than
// resolvelib's backtracking (pip): when a choice fails, PubGrub learns an
// incompatibility that says why, in terms of version ranges ("every flask >=3
// needs werkzeug >=3"), jumps back past every decision that did not contribute,
// and never tries a combination already known to fail. The same derivations,
// kept, are the explanation of a failure, so the report names the conflicting
// requirements and the chain between them instead of the last thing tried. Version
// sets are pep440 ranges. What holds for a version is widened to the gap around it
// up to the next candidate, so learned facts and messages speak of the versions
// that exist ("a >=2.0,<=2.4 depends on b==2.0").
//
// # Choices, as pip and uv make them for the target
//
//   - Markers are evaluated in the target's environment with the extra being
//     installed, never the host's. Requires-Python (the index's and the metadata's)
//     is checked against the target's full Python version, upper bounds included
//     (as pip; uv ignores upper bounds, see the packse differences in the tests).
//   - Only wheels are candidates. A version whose wheels the target cannot use, or
//     with only an sdist, is remembered so that a failure can say which versions
//     and tags exist and what would fit.
//   - For a version, the wheel with the best tag rank for the target, then the
//     highest build tag.
//   - Newest version first. Final releases are preferred: a pre-release is tried
//     only when no final release in the allowed range is left (uv's default; with
//     Request.Pre every version is equal). A requirement naming a pre-release
//     (==2.0b1) leaves only pre-releases in range, so it gets one.
//   - Yanked files only for a version the user pinned with == or === (warned).
//   - Extras are packages of their own, pkg[extra], pinned to pkg's version and
//     carrying only the requirements the extra adds; a missing extra is a warning.
//   - Constraints restrict the versions of projects that appear, never add one.
//   - A direct wheel URL requirement (name @ https://.../x.whl) is its project's only
//     candidate; a dependency may name that URL, no other.
//   - Hash-checking mode keeps only files whose index hash is among the --hash
//     values, and refuses a distribution without any, with the line to add.
//
// # Fetching
//
// Pages and metadata are fetched once each, in the background, at most a bounded
// number at a time. As soon as a dependency is discovered its page is requested,
// and when the page arrives the metadata of the version likely to be tried, whose
// dependencies are requested in turn: resolution waits about one page and one
// metadata round trip per level of the dependency graph. Metadata is read only for
// versions the solver tries (and that one speculative version per project).
// Progress goes to the WithLog function.
package resolve
