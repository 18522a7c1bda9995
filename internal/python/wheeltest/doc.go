// Package wheeltest builds wheels and simple indexes in memory for tests: packse
// scenarios, the FIXTURE lithops distribution and its worker modules, hostile wheels.
// Nothing here is used by the action itself.
package wheeltest
