//go:build race

package measure

// The race detector's shadow memory counts in a child's RSS (about 3× what it touches).
const raceEnabled = true
