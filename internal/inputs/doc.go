// Package inputs owns the action's contract with its caller: every input read from INPUT_*
// variables and --flags (flags win), validated once into one Config, and the detection of
// the Python version the workflow uses.
package inputs
