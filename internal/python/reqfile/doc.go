// Package reqfile owns pip's requirements-file format: nested -r/-c files, index options,
// per-requirement hashes, continuations, comments and ${VAR} expansion. Every parsed item
// keeps the file and line it came from, and every error names them.
//
// Reading follows pip 26 (req_file.py and parse_req_from_line): byte-order marks and
// PEP 263 coding comments; lines joined after a trailing backslash (a comment line is
// not continued; the joined line keeps its first line's number); comments from a '#'
// at the start of a line or after whitespace (so url#sha256=... survives); ${NAME}
// expanded from an injected lookup (NAME of [A-Z0-9_] only; unset or empty is left as
// written); words up to the first "-" word are the requirement, the rest options read
// like optparse (unique prefixes of long options). Requirements are PEP 508, a wheel
// URL (name @ https://.../x.whl, or the bare URL) or a local wheel path.
//
// The action installs wheels only, so what needs a build is an error: -e/--editable,
// source archives, version-control URLs, project folders, --no-binary, and
// --config-settings. So are unknown options, words pip would silently ignore, and
// options pip ignores on a requirement's line. Every error is an *Error that renders
// as "requirements.txt:7: <what is wrong> (<what to do>)", shows requirements as
// written (before ${VAR} expansion) and masks credentials in URLs.
//
// Any --hash (or --require-hashes) switches on pip's hash-checking mode: then every
// requirement must be pinned with == or === (or be a direct URL) and carry hashes,
// possibly through a constraint for the same project.
package reqfile
