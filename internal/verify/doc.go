// Package verify owns the smoke invocation of a deployed runtime: the Lithops metadata call
// and the import check, and their verdicts.
package verify
