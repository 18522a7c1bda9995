// Package lithops owns Lithops' conventions for the aliyun_fc backend, per Lithops
// version: function names (and FC's rules for them), default runtime names, worker
// modules, the FC API, the default FC 2.0 service, runtime keys, metadata object keys and
// ARNs, the runtime metadata payload and its published .meta.json, and the
// lithops-version rule (the input, else a lithops==X pin in the requirements).
package lithops
