// Package report owns what the action tells the workflow: outputs written with a random
// heredoc delimiter, the job summary, annotations, log groups and masking.
package report
