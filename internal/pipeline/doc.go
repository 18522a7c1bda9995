// Package pipeline runs the action: it owns the order of the stages, the state they
// share (run) and what the run reports (outputs, annotations, the job summary), not
// the stages' work, which is their packages'. The stages, as the log shows them:
//
//   - plan: inputs and requirements file read together, the Lithops version, the FC API,
//     the Python and FC runtime, the target, the function names and the storage bucket;
//     with a lock input, the lock read and checked against all of it (pylock.Check);
//     nothing touches the network (MakePlan);
//   - resolve: the requirements and Lithops' worker modules resolved for the target, the
//     lithops wheel chosen (python/resolve, lithops); a locked run skips it;
//   - fetch: every wheel downloaded into the cache, hash-checked, inspected once (a
//     locked run: the lock's wheels by URL and sha256, no resolution);
//   - preinstalled modules (--local only, not in a dry run): FC's preinstalled modules
//     for the emulator's runtime (local);
//   - assemble: runtime.zip and pylock.toml (build); a locked run proves the new lock
//     holds exactly the given lock's wheels (pylock.Diff).
//
// A dry run then reports what changes and ends with its outputs:
//
//   - changes: the new lock against compare-to, else the live runtime's lock when the
//     run's credentials can read it (pylock.Diff); information only, never a failure.
//
// A deploy goes on:
//
//   - credentials: from the inputs, the environment or GitHub OIDC (credentials);
//   - storage bucket: found or created, as Lithops' client does (when one is known);
//   - FC 2.0 service: an existing service is used as it is (FC 2.0 only);
//   - changes: as above, against the live runtime's lock;
//   - smoke: imports: every module imported in a temporary function, unless the
//     functions already run this package (verify);
//   - deploy: the functions created or updated (deploy);
//   - verify: Lithops' metadata call on every function, then the runtime metadata and
//     the runtime's lock published where clients look (verify, deploy.Release.Commit);
//   - prune (prune: true): the runtime's older Lithops versions removed, on either FC
//     API, now that the new one is live (deploy.Deployer.Remove).
//
// A check (mode: check) builds like a deploy and touches nothing live:
//
//   - credentials, as a deploy;
//   - storage bucket: looked up, never created;
//   - FC 2.0 service: looked up; a difference a deploy would refuse is a warning;
//   - changes: as above, against the live runtime's lock;
//   - smoke: check: the import check, then Lithops' metadata call, in one temporary
//     function deleted afterwards (verify.Verifier.Check).
//
// A container runtime (deploy-mode: container, containerSteps) has its own list:
//
//   - plan, as above, with FC's custom-container runtime, the image's name and a warning
//     for a registry FC cannot pull from;
//   - base image: the base's OS, glibc and CPython read from its files (image); its glibc
//     is the target's;
//   - resolve and fetch, with Lithops' container modules in place of the worker modules;
//   - image: the runtime and requirements layers (image); a dry run writes image.tar,
//     reports what changes and ends there;
//   - credentials, storage bucket, changes;
//   - push image: by digest, only the blobs the registry lacks (image);
//   - smoke: imports: the import check on the image itself (verify.ImageImports);
//   - deploy and verify, as above, with custom-container functions pinned by digest; then
//     the image's tag moved to it (image.Tag); prune as above. A check pushes the image
//     and runs smoke: check on it instead (verify.Verifier.CheckImage): the tag stays.
//
// mode: delete and mode: list build nothing:
//
//   - plan: the Lithops version, the runtime name (and, for a delete, the memory sizes and
//     the storage bucket); no network;
//   - credentials;
//   - delete: the runtime's functions and objects found (listings, each name confirmed),
//     then removed: objects, functions, the FC 2.0 service when empty and the action's;
//     or list: the runtimes on FC 3.0 and in the FC 2.0 service, with their metadata.
//
// A failure after the deploy rolls the functions and the published objects back; a
// delete or a prune that fails midway sets its outputs and summary with what remains;
// any failure is reported by Fail. Each stage is a method of run in the order steps
// lists them: a mode is a list (steps, containerSteps, lifeSteps).
package pipeline
