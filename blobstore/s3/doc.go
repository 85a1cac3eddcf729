// Package s3 is a blobstore.Driver that keeps chunks as objects in a bucket
// of any S3-compatible provider (AWS S3, MinIO, Ceph RGW, Garage, another
// dolium, ...), through minio-go. It passes the contract suites in
// blobstore/storetest and implements blobstore.Lister.
//
// # Key layout
//
// Chunk index of data set dataID is the object
//
//	<Prefix><dataID>/<index as %08d>
//
// for example "dolium/3f2a.../00000012". A data set's chunks share the
// prefix "<Prefix><dataID>/", so they are listed together and in index
// order (zero padding makes lexical order numeric below 10^8 chunks);
// Delete with count < 0 lists that prefix, and ListDataIDs lists Prefix
// with delimiter "/", receiving one common prefix per data set rather
// than one key per chunk. Data ids must be non-empty and must not contain
// "/". Nothing else is stored in the bucket, so one bucket can hold
// several dolium zones under different prefixes.
//
// # Guarantees and errors
//
// Put is one PUT request of exactly the chunk's bytes: S3 acknowledges a
// PUT once the object is durable and replaces an object atomically, and
// providers are strongly read-after-write consistent (AWS since December
// 2020), so a Get after Put returns the new bytes. Get is one GET. Get of
// a missing key (S3 code NoSuchKey) fails with an error wrapping
// blobstore.ErrNotFound. A request the provider could not serve - no
// connection, a connection cut, a 5xx answer, throttling (503 SlowDown,
// 429), or no answer within Options.Timeout - fails with an error wrapping
// ErrUnavailable (so blobstore.ErrUnavailable; the gateway answers 503).
// Other answers (403 AccessDenied, TLS verification failures) are
// configuration errors and wrap neither. When the caller's context ends
// first, the error wraps the caller's context error.
//
// # A replaced zone
//
// Open checks that the bucket exists, so a bucket that goes missing later
// means the zone was replaced (a new provider account, a wiped cloud).
// Requests that meet NoSuchBucket then call Options.OnReplaced; Get and
// ListDataIDs fail with an error wrapping both blobstore.ErrReplaced and
// blobstore.ErrNotFound (every chunk that was there is gone), Delete
// succeeds (nothing is left to delete). With Options.CreateBucket the
// bucket is created again: by Put, which then retries its write, and by
// Get (at most one MakeBucket a second). Without it Put fails with an
// error wrapping blobstore.ErrReplaced until someone creates the bucket.
//
// minio-go retries a failed request (connection errors, 5xx, throttling)
// with exponential back-off, up to 10 times; the Timeout bounds a Put or
// a Get including those retries and the transfer of the chunk, so it must
// allow a whole chunk at the slowest bandwidth expected. Delete and
// ListDataIDs make many requests; for them the Timeout bounds the time
// without progress (no key listed, no delete answered), so it must also
// exceed the provider's time for one multi-object DELETE of 1000 keys
// (2-3 s on dolium's embedded store, which syncs each delete). The Store's
// CRC32C frame protects chunk contents end to end, so the driver asks for
// no provider checksums beyond what SigV4 and TLS give.
//
// # No double buffering
//
// The Store hands the driver a complete chunk in memory, so the driver
// knows the exact size before it sends a byte. Put passes the slice as a
// bytes.Reader with its size and DisableMultipart: minio-go sends it as
// the body of a single PUT without copying it into buffers of its own
// (minio-go buffers parts of multipart uploads, which it would otherwise
// choose above 16 MiB), and because the reader is seekable a retry
// rewinds it rather than keeping a second copy. Get allocates one buffer of the response's
// Content-Length and reads the body into it, with no Stat request before
// and no io.ReadAll doubling. Streaming therefore costs no more memory
// than the Store's own (Concurrency+1) chunks per Write and Prefetch+1
// per reader.
//
// # Chunk size
//
// The Store's default of 1 MiB suits local disks and Cassandra. Against a
// remote provider use larger chunks, 8 MiB (blobstore.Options.ChunkSize):
//
//   - Providers charge per request. At a typical $0.005 per 1,000 PUT
//     requests, writing 1 GiB costs 1,024 PUTs = $0.00512 at 1 MiB chunks
//     but 128 PUTs = $0.00064 at 8 MiB: about 22% against 2.8% of a
//     month's storage of that GiB at $0.023 per GiB-month. Reads, at a
//     typical $0.0004 per 1,000 GETs, cost $0.00041 against $0.00005 per
//     GiB read.
//   - Latency per request dominates. Each request pays a round trip and
//     the provider's time to first byte, tens of milliseconds over a WAN;
//     with 30 ms per request and 4 puts in flight a stream of 1 MiB
//     chunks cannot exceed about 130 MiB/s however fast the link, while 8
//     MiB chunks spread the same overhead over eight times the data.
//
// The price of larger chunks is memory (about (Concurrency+1) × ChunkSize
// per Write: 40 MiB at 8 MiB and the default Concurrency of 4) and read
// amplification for small ranges, since the Store reads whole chunks: a
// 4 KiB range read fetches up to 8 MiB. Objects smaller than a chunk are
// one chunk of their own size, so small objects cost the same either way.
package s3
