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
//     before its first chunk is written; the collector (package
//     gateway/upkeep) applies Collect to each entry once it is due, which
//     deletes the data unless an object or part still references it.
//     Replaced, deleted and aborted data is queued likewise, before the
//     metadata changes.
//
//   - Placements: the placement policies are resolved once, at start-up,
//     into a blobstore.Placements set (Config.Placements). A bucket row names
//     its policy; a data id names the policy it was written under, and
//     Placements.ForData finds it. A read of lost data (too few good copies
//     or shards while every zone answered) fails with ErrDataLost.
//
// The background workers (collector, repairs, scrubber, zone monitor and
// rebuilds, redundancy report, gc verification) live in package
// gateway/upkeep, which uses the core; the core does not know them.
//
// Errors are the kinds declared in errors.go; the S3 layer maps them to S3
// error codes in one place.
package gateway
