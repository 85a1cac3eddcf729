// Package cassandra is a blobstore.Driver that keeps chunks in Apache
// Cassandra, in the keyspace of a cqldb.DB. It passes the contract suites
// in blobstore/storetest and implements blobstore.Lister.
//
// # Guarantees
//
// Put is an INSERT and Get a SELECT at the session's consistency
// (LOCAL_QUORUM by default), so a Get in the same data centre sees a Put
// that returned. Every chunk statement is idempotent and marked so, which lets
// the session's retry policy repeat it. Get of a missing chunk fails with
// an error wrapping blobstore.ErrNotFound; an operation the cluster could
// not serve (replicas down, timeout, no connection, closed session) fails
// with one wrapping ErrUnavailable, meant to be answered with 503.
// Overwrites follow Cassandra's last-write-wins by timestamp, so two
// gateways overwriting the same chunk must have synchronised clocks;
// dolium never overwrites a chunk of a committed object, as data ids are
// unique.
//
// # Schema
//
//	CREATE TABLE chunks (
//	    data_id text, grp int, idx int, data blob,
//	    PRIMARY KEY ((data_id, grp), idx))
//	CREATE TABLE blobstore_config (name text PRIMARY KEY, value int)
//
// Chunk idx of data set data_id is in partition (data_id, idx / GroupSize).
//
// Partitioning. One partition per data set would grow with the object
// (a 5 TiB object would make a 5 TiB partition on one replica set, which
// Cassandra cannot compact, repair or stream sensibly); one partition per
// chunk would make Delete write one tombstone per chunk. Groups of GroupSize chunks
// (default 16, so 16 MiB partitions at 1 MiB chunks) bound every
// partition, spread a large object over the ring, and let Delete remove a
// data set with ceil(count / GroupSize) partition tombstones, which a read
// skips at once, rather than a row tombstone per chunk. GroupSize is
// recorded in blobstore_config at the first Open and can never change: a
// different size would look for existing chunks in the wrong partitions.
//
// Compaction: UnifiedCompactionStrategy, tiered (scaling_parameters T4),
// which behaves like SizeTieredCompactionStrategy. Chunks are written once
// and deleted whole, never updated, so there is nothing for leveled
// compaction to merge; LeveledCompactionStrategy would rewrite every blob
// once per level on its way down (with a fan-out of 10, a write
// amplification of tens), which for large blobs is most of the disk
// bandwidth. The cost of tiering is
// space: a partition tombstone frees its data only when compaction merges
// it with the SSTable holding that data, so after a mass delete up to a
// tier's worth of space stays in use until the tier compacts.
//
// gc_grace_seconds = 10800 (3 hours, the default max_hint_window, so
// hints of a delete do not expire before the hint window does). A tombstone
// purged before every replica has seen it can let a replica that missed
// the delete resurrect the chunks. For this table that is harmless to
// correctness: data ids are never reused, so a resurrected chunk belongs
// to no object and is never read; it costs only space until the orphan
// scrubber (which uses ListDataIDs) finds it. The usual 10 days would keep
// every deleted data set's tombstones, and the data under them, ten days
// longer for no benefit. Repair need not run within gc_grace for this
// table.
//
// Compression: LZ4 with chunk_length_in_kb = 64 and min_compress_ratio =
// 1.1. Object data is often already compressed (images, video, archives);
// with min_compress_ratio a compression chunk that does not shrink by 10%
// is stored raw and read without decompression, while text, logs and JSON
// still gain LZ4's savings. 64 KiB rather than the default 16 KiB makes a
// quarter of the compression offsets kept off-heap (about 128 MiB per TiB
// of data instead of 512 MiB) and costs nothing here, since every read
// fetches a whole blob of many compression chunks. On the one-node test
// cluster, 1 MiB puts and gets took 8–23 ms whichever of no compression,
// default LZ4 and this setting was used, for random and for text data:
// the difference was within the noise.
//
// Chunk size. A Put is one CQL request and one mutation. With native
// protocol v5 (which gocql negotiates with Cassandra 4 and 5) a request
// may be at most native_transport_max_message_size bytes, 12.8 MiB by
// default in Cassandra 5 (measured: 12 MiB accepted, 13 MiB rejected);
// native_transport_max_frame_size (16 MiB) applies to protocol v4 and
// older; a mutation may be at most max_mutation_size (half the 32 MiB
// commit log segment). So Put refuses chunks over MaxChunkSize (8 MiB),
// and chunk sizes up to 8 MiB are fine at the default settings; keep
// GroupSize × chunk size to tens of MiB (GroupSize 4 at 8 MiB chunks).
//
// # Delete
//
// Delete(dataID, count) deletes partitions 0..(count-1)/GroupSize in
// parallel, at most 8 at a time. With count < 0 the number of chunks is
// unknown: Delete probes group after group, deleting each, and stops at
// the first group with no live rows. Chunks in groups past an empty group
// (a gap left by an interrupted Delete with a count that deleted later
// groups but not an earlier one) are left behind, and a later Delete with
// count < 0 stops at the same gap: only a Delete whose count covers them
// removes them. Callers that know the count should pass it.
//
// ListDataIDs scans every partition key (SELECT DISTINCT data_id, grp)
// and de-duplicates data ids in memory: fine for tests and administration,
// not for the request path. Cassandra answers DISTINCT by reading each
// partition's first row, blob included, so the scan reads one chunk per
// partition (about 100 MB/s here) and pages are kept small (listPageSize)
// to bound the node's heap.
package cassandra
