package upkeep

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dolium/dolium/blobstore"
)

// Zone states, as `dolium admin zones` shows them.
const (
	ZoneOK          = "ok"          // the zone answered its last call
	ZoneUnreachable = "unreachable" // the zone did not answer its last call
	ZoneReplaced    = "replaced"    // the zone answers but its bucket is gone
	ZoneRebuilding  = "replaced-rebuilding"
	ZoneUnknown     = "unknown" // no call has reached the zone yet
)

// ZoneMonitor watches what each zone's driver answers, so that the gateway
// can tell a zone that is down (unreachable) from one that was replaced
// (it answers, with its bucket gone: blobstore.ErrReplaced) and notice when
// a zone comes back. Wrap every zone's driver before building the
// placements on it, and give the monitor to the Workers (Config.Zones).
// It is safe for concurrent use.
type ZoneMonitor struct {
	mu       sync.Mutex
	zones    map[string]*zoneHealth
	handler  func(zone string, replaced bool) // the Workers'; nil until New
	pending  []string                         // replacements seen before a handler was set
	now      func() time.Time
	probeKey blobstore.ChunkKey
}

type zoneHealth struct {
	driver     blobstore.Driver // the watched driver
	known      bool             // some call finished
	reachable  bool
	since      time.Time // of the current reachability
	lastErr    string
	replacedAt time.Time // last time the zone answered "bucket missing"
}

// NewZoneMonitor returns a monitor watching no zone yet.
func NewZoneMonitor() *ZoneMonitor {
	return &ZoneMonitor{zones: map[string]*zoneHealth{}, now: time.Now,
		probeKey: blobstore.ChunkKey{DataID: "dolium-zone-probe", Index: 0}}
}

// Wrap returns d watched as zone: every answer of Put, Get and Delete
// updates the zone's state. Wrap each zone once.
func (m *ZoneMonitor) Wrap(zone string, d blobstore.Driver) blobstore.Driver {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := &watched{Driver: d, zone: zone, m: m}
	m.zones[zone] = &zoneHealth{driver: w}
	return w
}

// Replaced tells the monitor that zone was found replaced (a driver's own
// report, such as blobstore/s3's Options.OnReplaced). It does not block.
func (m *ZoneMonitor) Replaced(zone string) {
	m.mu.Lock()
	z := m.zones[zone]
	if z != nil {
		z.replacedAt = m.now()
		m.setReachable(z, true, "")
	}
	h := m.handler
	if h == nil {
		if !slices.Contains(m.pending, zone) {
			m.pending = append(m.pending, zone)
		}
	}
	m.mu.Unlock()
	if h != nil {
		h(zone, true)
	}
}

// attach sets the handler of replacements (replaced true) and of zones
// answering again after failures (replaced false), and hands it the
// replacements seen so far.
func (m *ZoneMonitor) attach(h func(zone string, replaced bool)) {
	m.mu.Lock()
	m.handler = h
	pending := m.pending
	m.pending = nil
	m.mu.Unlock()
	for _, z := range pending {
		h(z, true)
	}
}

// setReachable records an answer (or its absence); m.mu is held. It
// returns whether the zone came back from unreachable.
func (m *ZoneMonitor) setReachable(z *zoneHealth, ok bool, errText string) (back bool) {
	back = ok && z.known && !z.reachable
	if !z.known || z.reachable != ok {
		z.since = m.now()
	}
	z.known, z.reachable = true, ok
	if !ok {
		z.lastErr = errText
	}
	return back
}

// observe records the outcome of one call to zone.
func (m *ZoneMonitor) observe(ctx context.Context, zone string, err error) {
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		return // the caller gave up: says nothing about the zone
	}
	if errors.Is(err, blobstore.ErrReplaced) {
		m.Replaced(zone)
		return
	}
	answered := err == nil || blobstore.IsNotFound(err) || errors.Is(err, blobstore.ErrCorrupt)
	m.mu.Lock()
	z := m.zones[zone]
	if z == nil {
		m.mu.Unlock()
		return
	}
	text := ""
	if err != nil {
		text = err.Error()
	}
	back := m.setReachable(z, answered, text)
	h := m.handler
	m.mu.Unlock()
	if back && h != nil {
		h(zone, false)
	}
}

// zoneView is a zone's state as the monitor last saw it.
type zoneView struct {
	State   string // ZoneOK, ZoneUnreachable, ZoneUnknown
	Since   time.Time
	LastErr string
	// ReplacedAt is when the zone last answered "bucket missing".
	ReplacedAt time.Time
}

func (m *ZoneMonitor) view(zone string) zoneView {
	m.mu.Lock()
	defer m.mu.Unlock()
	z := m.zones[zone]
	switch {
	case z == nil, !z.known:
		return zoneView{State: ZoneUnknown}
	case z.reachable:
		return zoneView{State: ZoneOK, Since: z.since, ReplacedAt: z.replacedAt}
	}
	return zoneView{State: ZoneUnreachable, Since: z.since, LastErr: z.lastErr, ReplacedAt: z.replacedAt}
}

// down reports whether zone's last call found it unreachable.
func (m *ZoneMonitor) down(zone string) bool {
	if m == nil {
		return false
	}
	return m.view(zone).State == ZoneUnreachable
}

// probe asks zone for a chunk that never exists: "not found" means the
// zone answers, "replaced" that its bucket is gone, anything else that it
// is unreachable. The answer updates the zone's state like any call.
func (m *ZoneMonitor) probe(ctx context.Context, zone string, timeout time.Duration) error {
	m.mu.Lock()
	z := m.zones[zone]
	m.mu.Unlock()
	if z == nil {
		return fmt.Errorf("zone %q is not watched", zone)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := z.driver.Get(ctx, m.probeKey)
	if err == nil || blobstore.IsNotFound(err) && !errors.Is(err, blobstore.ErrReplaced) {
		return nil
	}
	return err
}

// names lists the watched zones.
func (m *ZoneMonitor) names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for n := range m.zones {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// watched is a zone's driver reporting its answers to the monitor.
type watched struct {
	blobstore.Driver
	zone string
	m    *ZoneMonitor
}

func (w *watched) Put(ctx context.Context, k blobstore.ChunkKey, b []byte) error {
	err := w.Driver.Put(ctx, k, b)
	w.m.observe(ctx, w.zone, err)
	return err
}

func (w *watched) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	b, err := w.Driver.Get(ctx, k)
	w.m.observe(ctx, w.zone, err)
	return b, err
}

func (w *watched) Delete(ctx context.Context, dataID string, count int) error {
	err := w.Driver.Delete(ctx, dataID, count)
	w.m.observe(ctx, w.zone, err)
	return err
}

// zonePos is one place a zone holds chunks: position index of a
// placement's zone list.
type zonePos struct {
	placement *blobstore.Placement
	driver    zoned
	index     int
}

// zonePositions returns every placement position of zone, by placement name.
func (w *Workers) zonePositions(zone string) []zonePos {
	var out []zonePos
	for _, p := range w.placements.Named() {
		d, err := zonesOf(p)
		if err != nil {
			continue
		}
		for i, z := range p.Zones {
			if z == zone {
				out = append(out, zonePos{placement: p, driver: d, index: i})
			}
		}
	}
	return out
}

// zoneName returns the name of zone index of the placement a repair entry
// names ("" if unknown).
func (w *Workers) zoneName(placementName string, index int) string {
	p, err := w.placements.ByName(placementName)
	if err != nil {
		return ""
	}
	if _, err := zonesOf(p); err != nil || index < 0 || index >= len(p.Zones) {
		return ""
	}
	return p.Zones[index]
}

// ZoneStatus is one zone of a placement as `dolium admin zones` shows it.
type ZoneStatus struct {
	Name  string `json:"name"`
	Index int    `json:"index"` // its position in the placement's zone list
	// State is ZoneOK, ZoneUnreachable, ZoneReplaced (answering, bucket
	// gone, no rebuild running), ZoneRebuilding or ZoneUnknown.
	State   string         `json:"state"`
	Since   *time.Time     `json:"since,omitempty"`
	Error   string         `json:"error,omitempty"` // why it is unreachable
	Rebuild *RebuildStatus `json:"rebuild,omitempty"`
}

// PlacementZones is a placement policy and the state of its zones.
type PlacementZones struct {
	Placement string       `json:"placement"`
	Scheme    string       `json:"scheme"`
	Needed    int          `json:"needed"` // good copies or shards a chunk needs
	Zones     []ZoneStatus `json:"zones"`
}

// ZoneReport probes every zone (one request each, in parallel, bounded by
// timeout) and returns each placement's zones with their states and any
// rebuild's progress.
func (w *Workers) ZoneReport(ctx context.Context, timeout time.Duration) ([]PlacementZones, error) {
	mon := w.cfg.Zones
	probed := map[string]error{}
	if mon != nil {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, z := range mon.names() {
			wg.Go(func() {
				err := mon.probe(ctx, z, timeout)
				mu.Lock()
				probed[z] = err
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	rebuilds := map[string]RebuildStatus{}
	rs, err := w.Rebuilds(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		rebuilds[r.Zone] = r
	}
	var out []PlacementZones
	for _, p := range w.placements.Named() {
		if _, err := zonesOf(p); err != nil {
			continue
		}
		pz := PlacementZones{Placement: p.Name, Scheme: string(p.Scheme), Needed: p.K}
		for i, z := range p.Zones {
			st := ZoneStatus{Name: z, Index: i, State: ZoneUnknown}
			if mon != nil {
				v := mon.view(z)
				st.State = v.State
				if !v.Since.IsZero() {
					st.Since = &v.Since
				}
				st.Error = v.LastErr
				if perr, ok := probed[z]; ok && errors.Is(perr, blobstore.ErrReplaced) {
					st.State, st.Error = ZoneReplaced, perr.Error()
				}
			}
			if r, ok := rebuilds[z]; ok {
				r := r
				st.Rebuild = &r
				if r.Running && st.State != ZoneUnreachable {
					st.State = ZoneRebuilding
				}
			}
			pz.Zones = append(pz.Zones, st)
		}
		out = append(out, pz)
	}
	return out, nil
}

// RunZoneProbes probes every zone every interval until ctx ends, so that a
// replaced zone is noticed, and a zone that came back is used again, while
// no request reaches it.
func (w *Workers) RunZoneProbes(ctx context.Context, interval, timeout time.Duration) {
	mon := w.cfg.Zones
	if mon == nil || interval <= 0 {
		return
	}
	runEvery(ctx, interval, func() bool {
		var wg sync.WaitGroup
		for _, z := range mon.names() {
			wg.Go(func() { mon.probe(ctx, z, timeout) })
		}
		wg.Wait()
		return false
	})
}
