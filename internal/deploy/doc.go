// Package deploy owns putting a runtime package live on Function Compute and taking it
// back: FC 2.0 (services, through fc-go-sdk's request types and signer) and FC 3.0
// (through the fc-20230330 SDK) behind one small interface, Functions; code upload
// inline or through OSS (the storage bucket under a content-addressed key, or FC's
// temporary bucket), or for custom-container functions (FC 3.0) an image pinned by
// digest in the spec (Spec.Container); unchanged detection by code checksum or image and
// configuration (Spec.Runs), and the storage-bucket objects a release publishes; and
// taking a runtime away (Remove): its functions, their objects and, on FC 2.0, the
// service the action created once it is empty, with listings (functions by prefix,
// objects by prefix) to find them.
//
// The core implementations are plain; the rest wraps them. Retrying retries each call
// (429, 5xx, ConcurrentUpdateError, 412, network errors; never validation or
// authentication errors). The journal inside a Release records every change with what it
// replaced, so that Release.Abort (or a failed Deploy) restores previous code and
// configuration, deletes functions the run created and restores published objects, on a
// fresh bounded context even after cancellation, and never over a newer deployment made
// by someone else.
//
// Usage (the pipeline):
//
//	d, err := deploy.New(deploy.Destination{API: api, Region: region, ...}, deploy.WithLog(logf))
//	rel, err := d.Deploy(ctx, pkg, specs) // on error, already rolled back
//	... smoke tests (verify) ...
//	if err == nil {
//		err = rel.Commit(ctx, deploy.Object{Key: metaKey, Body: meta}) // confirm, publish, confirm
//	}
//	if err != nil {
//		return rel.Abort(ctx, err) // *RollbackError: what was undone
//	}
package deploy
