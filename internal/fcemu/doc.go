// Package fcemu is a local Function Compute (2.0 and 3.0), OSS and STS emulator for tests
// and for --local: it checks request signatures as the services do, stores services,
// functions, code and objects, and runs invocations with a real local CPython.
//
// The official SDKs talk to it unchanged: fc-go-sdk with endpoint Start's URL,
// fc-20230330 with Endpoint host:port and Protocol "http", the OSS SDK with Start's URL
// (path style; bucket.host virtual-hosted requests work too). STS AssumeRoleWithOIDC is a
// plain form POST to the same URL (credentials-go insists on https, so it cannot be
// pointed here).
//
//	e, err := fcemu.New(fcemu.WithAccessKey(id, secret), fcemu.WithBucket("my-bucket"))
//	base, err := e.Start(ctx) // http://127.0.0.1:PORT, or use e.Handler() with httptest
//	defer e.Close()
//
// Behaviour where FC's documentation is silent (chosen, and kept consistent):
//
//   - Auth errors, both FC APIs: 400 MissingRequiredHeader (no Authorization or date),
//     403 SignatureNotMatch, InvalidAccessKeyID, RequestTimeTooSkewed (over 15 minutes),
//     InvalidSecurityToken.Expired / .Malformed / .MismatchWithAccessKey, AccessDenied
//     (temporary-bucket credentials used on FC, another account's X-Fc-Account-Id). FC 3.0 also refuses a reused
//     x-acs-signature-nonce (400 SignatureNonceUsed). OSS: SignatureDoesNotMatch,
//     InvalidAccessKeyId, SecurityTokenExpired, RequestTimeTooSkewed, AccessDenied
//     (anonymous requests, FC's temporary bucket with account keys).
//   - FC 2.0 accepts Content-MD5 as hex (fc-go-sdk) or base64 (the docs) and checks it.
//     Unset fields sent as JSON null mean "unchanged" on updates (both SDKs do it).
//   - Defaults: FC 2.0 memorySize 128, timeout 60; FC 3.0 memorySize 512, timeout 3,
//     diskSize 512, internetAccess true. Times are 2006-01-02T15:04:05Z. Creates answer
//     200, deletes 204, asynchronous invocations 202. ServiceNotEmpty is a 400. Only the
//     LATEST qualifier exists (a number: VersionNotFound, else AliasNotFound).
//   - FC 3.0 lifecycle: a create leaves state Pending, an update lastUpdateStatus
//     InProgress, for WithPendingPolls answers (default 1) of GetFunction or
//     InvokeFunction (both count as polls); the next answer shows Active/Successful (or
//     Failed: Hooks.Transition, fcemutest's Faults.EndFailed). InvokeFunction while
//     Pending or Failed answers 412 PreconditionFailed (Lithops retries it);
//     UpdateFunction during a transition answers 409 ConcurrentUpdateError;
//     DeleteFunction is always allowed. ListFunctions omits the
//     state fields and lists FC 3.0 functions only (fcVersion=v2 lists none).
//   - Code: exactly one of zipFile and ossBucketName/ossObjectName (InvalidArgument);
//     the zip must open; base64 zipFile over Limits.InlineCode and OSS objects over
//     Limits.OSSCode are EntityTooLarge; a given checksum (FC 3.0 code.checksum, FC 2.0
//     X-Fc-Code-Checksum) must equal the CRC-64/ECMA-182 codeChecksum. A missing OSS
//     object is InvalidArgument "unable to access object K in bucket B".
//     GetFunctionCode answers a URL on the emulator, valid 10 minutes.
//   - GetTempBucketToken: bucket fc-temp-code-<region>, ossRegion oss-<region>, a random
//     objectName, one-hour credentials that may only touch <account>/<objectName> there;
//     the account's own keys are denied that bucket (it is FC's).
//   - Invocation: the zip is unpacked once per code checksum; the handler runs as
//     python -B -E -s -S -u with the code folder as working directory and sys.path[0],
//     the standard library next and the WithPreinstalled folders last: the interpreter's
//     own site-packages are hidden, as the host's packages would hide missing
//     dependencies. The event is bytes; the answer is the result when bytes or str, else
//     its json.dumps (Lithops json.loads what its dict-returning handlers answer). An
//     exception answers X-Fc-Error-Type: UnhandledInvocationError and
//     {"errorMessage","errorType","stackTrace":[[file, line, function, source]...]}; a
//     timeout kills the process group and answers {"errorMessage":"Function timed out
//     after N seconds (maxMemoryUsage: M MB)"}; an exit without an answer answers
//     "Process exited unexpectedly before completing request". X-Fc-Log-Type: Tail returns
//     the last 4 KB of stdout+stderr between "FC Invoke Start/End RequestId: ID" lines.
//     The context carries request_id, credentials (STS credentials when the FC 3.0
//     function or FC 2.0 service has a role, empty otherwise), function (name, handler,
//     memory, timeout), service (name, qualifier LATEST), region and account_id. The
//     environment holds the function's variables and FC_* ones. Memory is not limited
//     and the code folder is writable (bytecode is not written).
//   - A runtime without a local interpreter, or a non-Python runtime, is created but its
//     invocation answers 500 InternalServerError naming what to install.
//   - FC 3.0 custom-container functions (runtime custom-container): customContainerConfig
//     is validated, the image pulled from its registry while the function is Pending
//     (Failed when the pull fails; resolvedImageUri once Active), and invocations go
//     over HTTP (POST /invoke) to the image's server, run from its unpacked layers with
//     the local CPython of the image's Python, the port remapped to a free loopback one.
//     container.go says exactly what is emulated and what is faked.
//   - OSS: buckets exist only when created (WithBucket, CreateBucket, PutBucket); no ACLs
//     beyond FC's temporary bucket; ListParts, copies and ListBuckets answer 501
//     NotImplemented. Multipart uploads in progress and STS sessions are not persisted.
//     PutBucket of a bucket the account owns answers 200 and changes nothing (OSS's
//     PutBucket page); of FC's temporary bucket or a WithForeignBucket name, 409
//     BucketAlreadyExists. GetBucketInfo (GET /?bucketInfo) answers name, Location
//     oss-<region>, endpoints, CreationDate, ACL private, StorageClass Standard.
//   - STS AssumeRoleWithOIDC takes RS256 tokens (HS256 is refused as STS does) and
//     answers 401 AuthenticationFail.OIDCToken.AudienceNotMatchError / .Expired /
//     .IssuerNotMatch / .InvalidSignature / .Invalid, 401 AuthenticationFail.NoPermission
//     (unknown provider, role not trusting it), 404 EntityNotExist.Role, 400
//     InvalidParameter.DurationSeconds (outside 900 s .. the role's maximum).
//
// Tests watch and steer it through Hooks (failures, latency, functions held Pending,
// failing handlers; the logs of calls and invocations): sub-package fcemutest provides
// them, so --local's binary has none of that machinery. Sub-package pyrun runs the
// handlers.
package fcemu
