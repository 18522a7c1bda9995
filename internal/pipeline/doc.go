// Package pipeline runs the stages in order: plan, resolve, fetch, assemble, upload,
// deploy, verify, publish. It owns the order and the roll back on failure, not the stages.
package pipeline
