// Package upkeep runs a gateway's background workers beside the request
// core (package gateway): the collector, the repair worker, the scrubber,
// the zone monitor and zone rebuilds, and the reports an operator asks for
// (redundancy, zones, gc verification). Every gateway process runs them;
// they are safe to run on every gateway at once.
//
// The workers meet data by its data id, and find its placement policy from
// the id alone (blobstore.Placements.ForData); what they need of a policy's
// driver beyond the typed policy (a chunk's health in each zone, a repair)
// they take through a small interface that the drivers of
// blobstore/placement offer.
//
//   - Collector: applies the core's collection rule (gateway.Gateway.Collect)
//     to every due entry of the collection queue: data is deleted only if
//     nothing references it when its entry is due.
//
//   - Repairs: what a placement driver finds missing or corrupt is queued
//     (RepairRecorder) and rewritten by the repair worker, with backoff while
//     its zone does not answer; the scrubber re-reads every chunk in every
//     zone and queues what is missing, corrupt or in an older format.
//
//   - Zones (zones.go, rebuild.go): a ZoneMonitor watches every zone's
//     answers. A zone that answers without its bucket is replaced, not down:
//     a rebuild (a meta.Rebuild row, leased by one gateway at a time,
//     resumable at its cursor) walks every chunk the metadata places there
//     and refills what the zone lacks. The redundancy report tells degraded,
//     unavailable (may come back) and lost (gone) apart.
//
//   - VerifyGC compares what the listable stores hold with what the metadata
//     references (dolium admin gc --verify) and may queue the orphans.
package upkeep
