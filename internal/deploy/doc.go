// Package deploy owns putting a runtime package live on Function Compute: FC 2.0 (services)
// and FC 3.0 deployers behind one interface, code upload inline or through OSS, unchanged
// detection by code checksum, retries and roll back.
package deploy
