// Package blobstore keeps object data as fixed-size chunks.
//
// A Store is the concrete, portable type the gateway uses: it cuts a stream
// into chunks, frames each chunk with a CRC32C checksum, writes chunks
// through a Driver with bounded concurrency, and streams data back (ranged,
// prefetching a few chunks) verifying every chunk's checksum on read. A
// Store never holds more than a few chunks of one stream in memory.
//
// Memory is budgeted: chunk buffers of Writes come from a write budget, and
// chunks fetched by readers and not yet delivered from a read budget. A
// Write or an Open waits a bounded time for its memory and then fails with
// ErrBusy; a context named by WithClient draws on one client's share of each
// budget only, so one client cannot take all of it. Full reports a driver
// out of space (SpaceReporter, or puts failing with ENOSPC).
//
// A Driver is the small interface a backend implements: put, get and delete
// of opaque chunk blobs by (data id, index), plus a not-found predicate.
// Drivers know nothing of framing or checksums; placement drivers (replicas,
// erasure coding) wrap child drivers. Every driver runs the contract suite in
// blobstore/storetest.
package blobstore
