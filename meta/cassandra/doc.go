// Package cassandra is the clustered meta.Store: dolium's metadata in an
// Apache Cassandra keyspace reached through cqldb, shared by any number of
// gateways. It passes the contract suite in meta/metatest.
//
//	db, _ := cqldb.Connect(ctx, cfg, metrics)
//	store, err := cassandra.Open(ctx, db, cassandra.Options{DefaultShards: 16})
//
// Open runs the "meta" migrations (cqldb.DB.Migrate) and fails with
// cqldb.ErrSchemaTooNew if a newer dolium migrated the keyspace. The store
// does not own the DB; Close only makes every later call fail with an
// error wrapping meta.ErrUnavailable.
//
// # Guarantees
//
// Reads and plain writes use the session consistency (LOCAL_QUORUM);
// conditional writes are lightweight transactions (LWTs) at the session's
// serial consistency (db.Serial, LOCAL_SERIAL by default), whose commit is
// at LOCAL_QUORUM, so a read sees every acknowledged write in its data
// centre. Read-modify-write operations are compare-and-set loops of LWTs,
// so they are atomic per row across gateways. Idempotent plain statements
// are marked Idempotent so the driver may retry them; LWTs never are. An
// unreachable cluster (cqldb.IsUnavailable) and a CAS loop that stays
// contended (Options.MaxTries, default 50, with jittered backoff up to
// 100 ms) are errors wrapping meta.ErrUnavailable. Choices that metatest
// pins, shared with meta/pebble: IfVersion on a missing key is
// ErrPreconditionFailed; DeleteObject of a missing key is ErrNotFound; upload
// markers compare as the pair (key, id); a limit <= 0 means no limit; times
// come back at millisecond precision or better; PutPart on a missing upload
// is ErrNotFound; DeleteBucket of a bucket with objects is ErrConflict.
// Objects of a missing bucket are ErrNotFound (the store needs the bucket's
// shard count).
//
// # Tables
//
//	buckets  (name) PRIMARY KEY
//	         owner, created, region, versioning, placement, shards,
//	         index_shards, deleted
//	objects  ((bucket, shard), key)     version_id, data
//	uploads  ((bucket), key, upload_id) upload
//	parts    ((upload_id), part_number) live, bucket, key, upload STATIC;
//	                                    data_id, data
//	gc_queue ((slot), due, data_id)     bucket, key, upload_id, part_number,
//	                                    size, chunk_size
//	gc_mark  (id) PRIMARY KEY           slot
//	repair_queue ((slot), due, data_id, idx, zone, del)
//	                                    placement, attempts
//	rebuilds (zone) PRIMARY KEY         version, state
//	users (name) PRIMARY KEY            owner, display_name, canonical_id,
//	                                    status, created, policy, rev
//	access_keys (access_key) PRIMARY KEY
//	                                    user_name, secret (sealed), status, created
//	identity_settings (name) PRIMARY KEY
//	                                    value
//
// The identity tables (identities.go) hold a few rows each; every write
// is a lightweight transaction, listings read the table and sort it.
// rebuilds holds a handful of rows (one per zone rebuilt); PutRebuild is an
// LWT on version (INSERT ... IF NOT EXISTS for version 0), GetRebuild a
// serial read, ListRebuilds a read of the table sorted by zone.
// Object keys are blob, not text: listings bound them by arbitrary bytes
// (the end of a prefix range is the prefix with its last byte incremented,
// which is rarely valid UTF-8, and a client's start-after need not be
// UTF-8 either), and Cassandra compares blob clustering keys as unsigned
// bytes, the order of Go string comparison. Everything else about an
// object, upload or part is one blob: a format byte (1) then encoding/gob
// of a private record (gob keeps invalid UTF-8 in header values intact;
// JSON would not).
//
// buckets: one partition per name; ListBuckets reads the table and sorts
// by name (token order is not name order; bucket counts are small).
// CreateBucket is INSERT ... IF NOT EXISTS. index_shards is the number of
// object partitions of the bucket (Bucket.Shards, or Options.DefaultShards
// when that is <= 0; Bucket.Shards itself is returned as given). A name's
// index_shards never changes: DeleteBucket sets deleted = true with an LWT
// instead of deleting the row, and CreateBucket of a deleted name revives
// the row (UPDATE ... IF deleted = true) keeping index_shards. So every
// gateway can cache the count forever: a gateway that cached a count
// before another one deleted and recreated the bucket still writes keys to
// the partitions that listings read. The cost is one row per name ever
// used.
//
// objects: one partition per (bucket, shard), shard = fnv32a(key) mod
// index_shards, one row per key holding its current version. Sharding
// keeps partitions small in buckets of millions of keys (the Ceph RGW
// bucket-index idea). ListObjects reads every shard's slice in parallel,
// each first page sized to about its share of the limit plus two standard
// deviations, and merges them with a heap, reading further pages of a
// shard only if the merge exhausts it: a page of 1000 from 16 shards reads
// about 1400 rows. PutObject must replace atomically and return what it
// replaced (the gateway reclaims that data): it first tries INSERT ... IF
// NOT EXISTS (one LWT for a new key; if the key exists, the failed LWT
// returns the current row), then UPDATE ... IF version_id = <version
// seen>, re-reading at the serial consistency after a lost race. Version
// ids are unique per write, so the version is the row's compare-and-set
// token. DeleteObject is a serial read then DELETE ... IF version_id = ?.
// An LWT that times out has an unknown outcome: a serial read (which
// completes any transaction in progress) settles it when the new version is
// current; otherwise the error stands, because retrying could re-apply a
// write that was applied and then replaced, whose data is already being
// collected. A PutObject that finds its own version current returns no
// replaced object, so a retried request never hands its own data to the
// collector.
//
// uploads and parts: upload ids are one global namespace, because
// ListParts names no bucket. CreateUpload claims the id by writing the
// static columns of the id's parts partition with INSERT ... IF NOT EXISTS
// (live = true, bucket, key, the upload record), then adds a row to the
// bucket's uploads partition, the listing index (the record is copied
// there; it never changes). GetUpload reads the claim. PutPart is UPDATE
// parts ... IF live = true AND data_id = <seen> (or = null for a new
// number): the condition on the static column makes a part write and the
// end of its upload mutually exclusive. DeleteUpload sets live = false
// with an LWT, after which no PutPart can succeed, then deletes the
// listing row and the whole parts partition (one partition tombstone).
// ListParts ignores a partition whose live is not true, so part rows that
// outlive the partition delete (a delete timestamp behind an LWT ballot on
// a skewed clock) are never listed and their data is collected. One uploads
// partition per bucket is fine for in-progress uploads, which are few.
//
// gc_queue: partitions are slots, ten minutes of due times each (slot =
// due in Unix milliseconds / 600000), clustered by (due, data_id), so a
// slot reads oldest first, ties in data id order. DueEntries reads the
// slots from the low-water mark (gc_mark) to the slot of now, a window of
// 16 in parallel, and stops at limit entries. The mark promises that no
// slot below it holds entries: DueEntries moves it (UPDATE ... IF slot =
// <read>) past the leading slots it read whole and found empty, never past
// the slot of its now nor the slot an hour before the wall clock, and then
// reads the passed slots again. Enqueue of an entry due before the current
// slot lowers the mark to the entry's slot (UPDATE ... IF slot > ?). The
// race of an Enqueue into a slot with a collector passing it is closed
// either way: if the collector's second read missed the entry, the entry
// was written after the mark moved, so the Enqueue's LWT sees the moved
// mark and lowers it. Entries due in the current slot or later skip that
// LWT: no collector passes a slot less than an hour old, and gateway
// clocks are assumed to agree within an hour. Len counts the slots from
// the mark to 48 hours ahead (IN queries of 200 slots): entries due later
// are not counted.
//
// repair_queue is a second queue of the same design, sharing its code
// (slotQueue in queue.go: the table and the mark row are parameters). Its
// clustering key is the whole identity of a meta.RepairEntry (Due at
// millisecond precision, DataID, Index, Zone, Delete), so an EnqueueRepair
// of a queued identity overwrites its placement and attempts, and a slot
// reads oldest first, ties in (data_id, idx, zone, del) order (del false
// first). Its low-water mark is its own row of gc_mark (id 'repair'; the
// GC queue's is 'gc'), which Open creates like the GC one: the queues are
// drained by different workers at different rates, so neither mark may
// wait for the other. RepairLen, like Len, counts the entries due up to 48
// hours ahead. The column is idx because INDEX is a reserved CQL word (del
// is short for the same reason).
//
// Why ten-minute slots: the collector's reads of the current slot pass
// over the tombstones of the entries already removed from it, and a read
// fails at tombstone_failure_threshold (100,000). A slot of ten minutes
// keeps that below the limit up to about 160 removals a second (an hour's
// slot, about 27). Smaller slots mean more partitions per pass (a pass
// reads about seven) and per Len (about 290).
//
// # Compaction and gc_grace_seconds
//
// gc_grace_seconds is how long a tombstone must outlive its delete before
// compaction may drop it; a replica that missed the delete for longer (no
// repair, hints expired) resurrects the row.
//
//   - objects: LeveledCompactionStrategy, for read-heavy point reads and
//     small partitions (a key's row is in few SSTables). gc_grace 10 days
//     (the default): a resurrected object row would name data the collector
//     already deleted (GET fails, the listing shows a deleted key), so
//     repair must run within it. Lower it only if repair runs more often.
//   - parts: LeveledCompactionStrategy, 10 days, the same reasoning (a
//     resurrected part would name deleted data). Deletes are partition
//     tombstones, one per upload, so they are cheap to keep.
//   - uploads: default compaction (size-tiered), 1 day. A resurrected
//     listing row is a ghost upload: GetUpload (which reads the claim) says
//     not found, and DeleteUpload of it removes the row. One day bounds the
//     row tombstones that ListUploads passes over in a bucket's partition.
//   - gc_queue: SizeTieredCompactionStrategy with
//     unchecked_tombstone_compaction and tombstone_threshold 0.2, so that
//     SSTables made mostly of tombstones are compacted on their own; 3
//     hours. Not TimeWindowCompactionStrategy: its windows never compact
//     together, so a delete in a later window never purges the row it
//     shadows, and rows here are deleted, not expired. A resurrected queue
//     row is harmless: the collector checks again that nothing references
//     the data and deleting missing data is a no-op; 3 hours matches the
//     default max_hint_window, since hints older than gc_grace are dropped.
//   - repair_queue: the same as gc_queue, for the same reasons. Its rows
//     are deleted, never expired (RemoveRepair; and as Due is part of the
//     identity, a retry with backoff is an enqueue at a later due plus a
//     remove), and read oldest first from a mark, so SSTables made mostly
//     of tombstones must compact on their own, and TWCS would never purge
//     the rows its deletes shadow. The tombstones of a slot being drained
//     are bounded by the slot width as in gc_queue. 3 hours: a resurrected
//     repair row is harmless, since repairs are idempotent
//     (meta.RepairQueue): it costs one repeated repair, and a copy repair
//     of data collected meanwhile is the case of any repair that was
//     queued for data deleted before it ran, which the repair worker must
//     handle anyway. 3 hours also matches max_hint_window, as for gc_queue.
//   - buckets, gc_mark: defaults; they are never deleted (only updated).
//
// # Tombstone budget
//
// One DeleteObject writes one row tombstone (plus Paxos state in
// system.paxos) and reads one row twice (the serial read and the LWT's
// read). Overwrites write no tombstones: the new cells shadow the old. A
// listing passes over the tombstones of the deleted keys in its range,
// spread over the bucket's shards, for gc_grace plus the time compaction
// takes to drop them. One GC pass reads the mark (a serial read), about
// seven slot partitions, and in the current slot the tombstones of the
// entries removed from it so far; each Remove writes one row tombstone.
// Drained slots below the mark are never read again, so their tombstones
// cost nothing until compaction drops them; moving the mark reads the
// passed slots once more. DeleteUpload writes one row tombstone in the
// bucket's uploads partition and one partition tombstone in parts.
package cassandra
