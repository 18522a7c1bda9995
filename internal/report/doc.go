// Package report owns what the action tells the workflow: outputs written with a random
// heredoc delimiter, the job summary, annotations, log groups and masking; and the one
// sanitizer (Sanitize) that every text bound for the runner goes through, so that no
// caller can print a secret or an unbounded line by forgetting a step.
package report
