// Package meta defines dolium's metadata model and the small interfaces a
// metadata backend implements: buckets, objects, multipart uploads and the
// garbage-collection queue.
//
// The interfaces ask of a backend only what a wide-column store such as
// Apache Cassandra offers: single-row conditional writes (compare-and-set on
// one row, as Cassandra's lightweight transactions give) and ordered range
// scans within a bucket. There are no multi-key transactions. S3 semantics
// (delimiters, pagination tokens, ETags, conditional request headers) live
// above this package, in the gateway.
//
// Backends return the error kinds declared here (ErrNotFound, ErrConflict,
// ErrPreconditionFailed), possibly wrapped; callers test them with errors.Is.
// Every backend runs the contract suite in meta/metatest.
package meta
