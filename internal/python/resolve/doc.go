// Package resolve owns dependency resolution for one target runtime: from root
// requirements, constraints and an index to one pinned wheel per distribution, or an
// explanation of why no set of wheels fits.
package resolve
