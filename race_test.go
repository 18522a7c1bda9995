//go:build race

package main

// raceEnabled builds the binary under test with the race detector too, when the tests
// run with -race.
const raceEnabled = true
