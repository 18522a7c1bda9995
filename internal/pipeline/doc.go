// Package pipeline runs the action: it owns the order of the stages, the state they
// share (run) and what the run reports (outputs, annotations, the job summary), not
// the stages' work, which is their packages'. The stages, as the log shows them:
//
//   - plan: inputs and requirements file read together, the Lithops version, the FC API,
//     the Python and FC runtime, the target, the function names and the storage bucket;
//     nothing touches the network (MakePlan);
//   - resolve: the requirements and Lithops' worker modules resolved for the target, the
//     lithops wheel chosen (python/resolve, lithops);
//   - fetch: every wheel downloaded into the cache, hash-checked, inspected once;
//   - preinstalled modules (--local only): FC's preinstalled modules for the emulator's
//     runtime (local);
//   - assemble: runtime.zip and pylock.toml (build).
//
// A dry run ends there with its outputs. A deploy goes on:
//
//   - credentials: from the inputs, the environment or GitHub OIDC (credentials);
//   - storage bucket: found or created, as Lithops' client does (when one is known);
//   - FC 2.0 service: an existing service is used as it is (FC 2.0 only);
//   - smoke: imports: every module imported in a temporary function, unless the
//     functions already run this package (verify);
//   - deploy: the functions created or updated (deploy);
//   - verify: Lithops' metadata call on every function, then the runtime metadata
//     published where clients look (verify, deploy.Release.Commit).
//
// A container runtime (deploy-mode: container, containerSteps) has its own list:
//
//   - plan, as above, with FC's custom-container runtime, the image's name and a warning
//     for a registry FC cannot pull from;
//   - base image: the base's OS, glibc and CPython read from its files (image); its glibc
//     is the target's;
//   - resolve and fetch, with Lithops' container modules in place of the worker modules;
//   - image: the runtime and requirements layers (image); a dry run writes image.tar and
//     ends there;
//   - credentials, storage bucket;
//   - push image: by digest, only the blobs the registry lacks (image);
//   - smoke: imports: the import check on the image itself (verify.ImageImports);
//   - deploy and verify, as above, with custom-container functions pinned by digest; then
//     the image's tag moved to it (image.Tag).
//
// A failure after the deploy rolls the functions and the metadata back; any failure is
// reported by Fail. Each stage is a method of run in the order steps lists them: a new
// mode is a new list.
package pipeline
