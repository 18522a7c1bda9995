// Package pylock owns pylock.toml (PEP 751, lock-version 1.0) as this action writes and
// reads it: one [[packages]] entry per distribution of the runtime, each with its
// version and the one wheel installed (file name, url or path, size, sha256), and under
// [tool.lithops-fc-runtime] the distributions left out (`exclude`) and what the lock was
// made from (Origin): the requirements files read, with the sha256 of each, and the
// target (Python, FC runtime and API, glibc and newest manylinux tag, Lithops).
//
// Marshal writes a Lock deterministically (nothing depends on the clock, so equal
// inputs give equal bytes) and refuses what Parse would refuse, such as a URL with
// credentials, a query or a fragment (urlcred.Strip makes one fit). Parse is strict about
// what a locked deploy needs and names the file and line of any problem; a lock from
// another tool is read when it has exactly that (one wheel with a sha256 per package)
// and refused with a clear message otherwise.
//
// Check decides before any download whether a lock fits a run: the wheels' tags and
// Requires-Python, the Python and glibc it was made for, Lithops, and the requirements
// files (their sha256 now against the recorded ones). It returns the Pins to fetch; the
// download layer verifies each file's sha256. Problems and pins name their line in the
// lock file (Fault gives them to annotations), as Parse's errors do.
//
// Diff compares two locks (the live runtime's, nil for a first deploy, and the new
// one) by distribution: added, removed, upgraded, downgraded (PEP 440 order) and
// rebuilt (same version, another wheel). Changes renders as one summary line, a
// Markdown table for the job summary, and JSON for the `changes` output.
//
// # The changes JSON (schema 1)
//
//	{
//	  "schema": 1,                     // JSONSchemaVersion
//	  "first_deploy": false,           // true: no previous lock, every distribution is "added"
//	  "summary": "numpy 1.26.4 → 2.1.0, +1 new dependency",
//	  "counts": {"added": 1, "removed": 0, "upgraded": 1, "downgraded": 0, "rebuilt": 0, "unchanged": 12},
//	  "changes": [                     // sorted by name; [] when nothing changed
//	    {"name": "numpy", "change": "upgraded",
//	     "before": {"version": "1.26.4", "wheel": "numpy-1.26.4-cp310-….whl", "sha256": "…"},
//	     "after":  {"version": "2.1.0",  "wheel": "numpy-2.1.0-cp310-….whl",  "sha256": "…"}},
//	    {"name": "tzdata", "change": "added", "before": null, "after": {…}}
//	  ]
//	}
//
// "change" is one of "added", "removed", "upgraded", "downgraded", "rebuilt"; "before"
// is null for "added" and "after" null for "removed"; names are PEP 503 normalized.
// Fields may be added within schema 1; a field that changes meaning or goes raises it.
package pylock
