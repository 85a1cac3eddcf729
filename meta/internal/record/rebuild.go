package record

import (
	"time"

	"github.com/dolium/dolium/meta"
)

// Rebuild is the stored form of a meta.Rebuild's state; the zone name and
// the version are the row's key and compare-and-set column, not repeated
// here.
type Rebuild struct {
	Started, Finished, Updated time.Time
	Cursor                     string
	Done, Total, Bytes, Failed int64
	Owner                      string
	LeaseUntil                 time.Time
}

// FromRebuild returns the stored form of r (times in UTC).
func FromRebuild(r meta.Rebuild) Rebuild {
	return Rebuild{
		Started: r.Started.UTC(), Finished: r.Finished.UTC(), Updated: r.Updated.UTC(), Cursor: r.Cursor,
		Done: r.Done, Total: r.Total, Bytes: r.Bytes, Failed: r.Failed, Owner: r.Owner, LeaseUntil: r.LeaseUntil.UTC(),
	}
}

// Meta returns the meta.Rebuild of zone at version that r stores.
func (r Rebuild) Meta(zone string, version int64) meta.Rebuild {
	return meta.Rebuild{
		Zone: zone, Version: version, Started: r.Started.UTC(), Finished: r.Finished.UTC(), Updated: r.Updated.UTC(),
		Cursor: r.Cursor, Done: r.Done, Total: r.Total, Bytes: r.Bytes, Failed: r.Failed,
		Owner: r.Owner, LeaseUntil: r.LeaseUntil.UTC(),
	}
}
