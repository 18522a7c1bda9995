// Package lithops owns Lithops' conventions for the aliyun_fc backend: function names,
// default runtime names, worker modules, runtime keys and ARNs per Lithops version, and
// the runtime metadata payload.
package lithops
