// Package metatest is the contract suite of meta.Store. A backend's test
// file opens an empty store and calls Run; the suite needs nothing else.
//
// The suite pins the behaviour meta.go states, plus these readings of it:
//
//   - Cond.IfVersion on a key with no object fails with
//     meta.ErrPreconditionFailed (PutObject and DeleteObject alike), except
//     that DeleteObject of a missing key is meta.ErrNotFound whatever the
//     condition.
//   - Upload ids are one namespace: CreateUpload with an id that exists
//     under another key is meta.ErrConflict (parts are keyed by id alone).
//   - UploadListOptions markers compare as a pair: an upload is listed if
//     (Key, UploadID) > (KeyMarker, UploadIDMarker).
//   - Times come back Equal to what was written at millisecond precision
//     (the precision of a Cassandra timestamp); their Location may differ.
//   - nil and empty maps and slices are the same value.
//   - A RepairEntry's Due is truncated to the millisecond: Dues within one
//     millisecond name the same entry, which comes back due at the start
//     of that millisecond. EnqueueRepair of a queued identity replaces its
//     payload (Placement, Attempts). A DueRepairs limit <= 0 means no limit.
package metatest
