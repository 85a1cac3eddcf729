// Package placement spreads chunks across independent storage zones (buckets
// at other S3 providers, Cassandra data centres, local disks) so that losing
// zones loses nothing.
//
// Two schemes, each a blobstore.Driver wrapping one child Driver per zone:
//
//   - Replicated: N full copies, one per zone. Put succeeds once the write
//     quorum W of copies is durable; Get returns the first copy that passes
//     its checksum (blobstore.CheckFrame), falling back zone by zone.
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
package placement
