// Package gateway is dolium's core: S3 object semantics on top of a metadata
// store (package meta) and a chunk store (package blobstore). It knows
// nothing of HTTP; package s3api parses requests into calls here and encodes
// the results.
//
// Operations on a bucket's contents take the bucket as ResolveBucket found
// it (Bucket) and return the core's own information types (Object, Upload,
// Part, listings), never the metadata store's rows. The core decides no
// access: the caller does (package access) before calling.
//
// Guarantees:
//
//   - Streaming: an object's body flows from the request through the hashers
//     into the chunk store; no call holds a whole object in memory.
//
//   - Atomic visibility: an object (or completed multipart upload) becomes
//     visible only when its metadata row is written, after every chunk is
//     durable. A crash at any point leaves either the old or the new object.
//
//   - No leaks: every data set is recorded in the garbage-collection queue
//     before its first chunk is written; the collector (Collector) deletes it
//     once it is due unless an object or part still references it. Replaced,
//     deleted and aborted data is queued likewise.
//
//   - Zones (zones.go, rebuild.go): a ZoneMonitor watches every zone's
//     answers. A zone that answers without its bucket is replaced, not down:
//     a rebuild (a meta.Rebuild row, leased by one gateway at a time,
//     resumable at its cursor) walks every chunk the metadata places there
//     and refills what the zone lacks. The redundancy report tells degraded,
//     unavailable (may come back) and lost (gone) apart; a read of lost data
//     fails with ErrDataLost.
//
// Errors are the kinds declared in errors.go; the S3 layer maps them to S3
// error codes in one place.
package gateway
