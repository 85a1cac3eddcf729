// Package pebble is the embedded meta.Store: dolium's metadata in a Pebble
// database (github.com/cockroachdb/pebble) in one local directory, for a
// single-machine gateway. It passes the contract suite in meta/metatest.
//
// # Why Pebble
//
// Pebble is an LSM tree with a write-ahead log. A write returns once its
// batch is in the fsynced WAL, and concurrent writers share one fsync
// (group commit), so many small conditional writes from parallel requests
// cost few disk flushes. Keys are kept sorted, so object listings, upload
// listings and the due parts of the GC and repair queues are range scans.
// It recovers from a crash by replaying the WAL, and it is pure Go. bbolt,
// the obvious alternative, is a copy-on-write B-tree with a single writer
// that fsyncs every transaction: writers queue behind each other and pay
// one fsync each.
//
// # Guarantees
//
// Every write is committed with pebble.Sync: once a method returns nil,
// the write survives a crash of the process or the machine (kill -9).
// Read-modify-write operations (PutObject, DeleteObject, CreateBucket,
// DeleteBucket, CreateUpload, DeleteUpload, PutPart) hold a lock on their
// row, one of 256 stripes chosen by hashing the row key, from the read to
// the commit; so conditions are checked atomically and writes to unrelated
// rows rarely wait on each other. Reads take no lock. A list limit of zero
// or less means no limit. PutPart of an upload that does not exist fails
// with meta.ErrNotFound, and DeleteBucket of a bucket that still holds
// objects with meta.ErrConflict. After Close, every method fails with an
// error that wraps meta.ErrUnavailable.
//
// # Key layout
//
// The first byte of a key names its table:
//
//	b | bucket name                                    -> bucket
//	o | esc(bucket) | object key                       -> object
//	u | esc(bucket) | esc(object key) | upload id      -> upload
//	i | upload id                                      -> (bucket, key) of the upload
//	p | esc(upload id) | part number (8 bytes)         -> part
//	q | due (8 bytes) | data id                        -> GC entry
//	r | due (8 bytes) | esc(data id) | index (8 bytes) | zone (8 bytes) | delete (1 byte)
//	                                                   -> repair entry
//	z | zone name                                      -> zone rebuild (PutRebuild compares
//	                                                      its version under the row's lock)
//
// esc(s) writes s with each 0x00 byte as 0x00 0xFF and ends it with
// 0x00 0x01. The terminator sorts below any byte of a longer string, so the
// encoding preserves order ("b" < "b\x00" < "bb") and no bucket's range
// holds another's rows: bucket "b" spans [o b 00 01, o b 00 02), which
// excludes bucket "bb". The last component of a key needs no escaping.
// Numbers are big-endian with the sign bit flipped; GC due times are Unix
// nanoseconds, so the GC queue is ordered by (Due, DataID). Repair due
// times are Unix milliseconds (meta.RepairEntry identifies entries by Due
// at millisecond precision: the key and the stored Due are truncated to
// it), and delete is 0 or 1, so the repair queue is ordered by (Due,
// DataID, Index, Zone, Delete) and an entry's key is its identity: enqueue
// of the same identity overwrites the payload (Placement, Attempts). The
// data id is escaped there because it is not the last component. Both
// queues are drained by one range scan from the start of their table.
//
// Upload ids are one namespace: parts are keyed by upload id alone, because
// ListParts names no bucket or key. The i row claims the id; CreateUpload,
// DeleteUpload and PutPart all lock it, so a part is never written after
// its upload was deleted.
//
// # Value format
//
// Every value starts with a format version byte. Version 1 is encoding/gob
// of private record types (not the meta types, so that the Go API can
// change without changing the bytes on disk). Times are stored in UTC with
// nanosecond precision (a repair entry's Due, millisecond). A reader
// rejects unknown versions.
package pebble
