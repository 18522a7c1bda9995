// Package verify owns the smoke invocations of a deployed runtime and their verdicts:
// Lithops' metadata call on each deployed function (Metadata: the answer Lithops would
// accept, from the code that was deployed), and the import check (Imports: a temporary
// function made from the runtime plus ImportFile imports every top-level module and
// reports each failure with its traceback; ImageImports: the same on an image runtime's
// own image, its command replaced by ImportServer; the function is deleted whatever
// happens), and Check, a pull request's smoke test that touches no live function: the
// import check and Lithops' metadata call in one temporary function, deleted whatever
// happens.
// A *SmokeError carries what the function said (its log tail, tracebacks) for the
// pipeline to print as untrusted text; verify prints nothing. Publishing the metadata
// answer is deploy.Release.Commit's (objects): writing to the cloud, confirming that the
// runtime is still the live one first, and undoing it, is deploy's.
package verify
