// Package placement spreads chunks across independent storage zones (buckets
// at other S3 providers, Cassandra data centres, local disks) so that losing
// zones loses nothing.
//
// Two schemes, each a blobstore.Driver wrapping one child Driver per zone:
//
//   - Replicated: N full copies, one per zone. Put succeeds once the write
//     quorum W of copies is durable; Get returns the first good copy,
//     falling back zone by zone. Every copy names the chunk it belongs to
//     (the copy format below), so a valid copy of another chunk found at a
//     chunk's key is corrupt, never served.
//   - Erasure: Reed-Solomon with k data and m parity shards over k+m zones
//     (github.com/klauspost/reedsolomon). Put succeeds once W shards (default
//     k+1) are durable; Get decodes from any k shards whose own checksums
//     pass. Any m zones may be lost. The coding itself is the pure functions
//     EncodeShards and DecodeShards.
//
// Whatever a write or read finds missing or corrupt, and every delete a zone
// missed, is handed to a Recorder (the gateway keeps them in the metadata
// store's repair queue); Repair rebuilds a chunk's copy or shard in the named
// zones and Check reports a chunk's health in every zone, for the repair
// worker, the scrubber and the redundancy report.
//
// # Stored formats
//
// An erasure shard is header || payload || CRC32C (shards.go): the header
// holds the format version, the shard's index, k, m, and the length and sum
// of the blob it is a shard of.
//
// A replica copy (copies.go), version 1, is
//
//	"dlmc" | version (1) | reserved (0) | id length (2 bytes) | chunk index (8 bytes)
//	| data id | blob | CRC32C of everything before it (4 bytes)
//
// all integers big-endian. A copy is good when its CRC passes and its data
// id and index are those of the key it was read under; a good copy of
// another chunk is Corrupt (repaired from the other zones). Copies written
// before this format are the bare blob (for a blobstore.Store: payload,
// CRC32C, version byte). Those still read: a copy that is not a valid
// current copy but passes Replicated.Verify is an old copy, read as before
// and listed in Health.Outdated by Check, so a scrubber queues it
// (Health.NeedsRepair) and Repair rewrites it in the current format.
// Replicated.RefuseOldCopies turns old copies away once none are left.
//
// # Zone breaker
//
// Every zone call goes through a circuit breaker (breaker.go, on when
// Options.BreakerCooldown > 0). A zone that does not answer (ZoneTimeout,
// or SlowCall for a hedged read another zone served) is skipped for the
// cooldown; then one call probes it while the others keep skipping it; an
// answer closes the breaker at once, a failure opens it again. Not-found
// answers, including those of a replaced zone (blobstore.ErrReplaced), are
// answers. ZoneStates shows each zone's breaker.
package placement
