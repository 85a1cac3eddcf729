package lifecycle

import (
	"math"
	"strings"
	"time"
)

// Version is what evaluation needs to know of one version of a key.
type Version struct {
	Key          string
	Size         int64
	Tags         map[string]string
	LastModified time.Time
	IsLatest     bool
	DeleteMarker bool
	// NoncurrentSince is when a noncurrent version became noncurrent: the
	// LastModified of the version that succeeded it. Zero for the latest.
	NoncurrentSince time.Time
	// NewerNoncurrent is, for a noncurrent version, how many noncurrent
	// versions of its key are newer than it.
	NewerNoncurrent int
	// Noncurrent is, for the latest version, how many noncurrent versions
	// its key has. A latest delete marker with none is an expired object
	// delete marker.
	Noncurrent int
}

// Action is what a lifecycle rule does to a version now.
type Action int

const (
	// None: nothing is due.
	None Action = iota
	// ExpireCurrent: the current version's lifetime is over. On a bucket
	// with versioning Enabled, add a delete marker (the version becomes
	// noncurrent); Suspended, add a delete marker with the null version id
	// (replacing the null version, if any); never versioned, delete the
	// object.
	ExpireCurrent
	// DeleteNoncurrent: permanently delete this noncurrent version (or
	// noncurrent delete marker), unless object lock protects it.
	DeleteNoncurrent
	// RemoveDeleteMarker: permanently delete this expired object delete
	// marker (the latest version, a delete marker, and the key has no other
	// version).
	RemoveDeleteMarker
)

func (a Action) String() string {
	switch a {
	case ExpireCurrent:
		return "ExpireCurrent"
	case DeleteNoncurrent:
		return "DeleteNoncurrent"
	case RemoveDeleteMarker:
		return "RemoveDeleteMarker"
	}
	return "None"
}

// Decision is the action due on a version and the rule that makes it due.
type Decision struct {
	Action Action
	RuleID string
	// Due is when the action became due (at or before now).
	Due time.Time
}

// Expiry is when a rule expires an object (or aborts an upload) and which
// rule.
type Expiry struct {
	Date   time.Time
	RuleID string
}

// Evaluator applies a configuration. The zero Day is AWS's 24 hours.
type Evaluator struct {
	Config *Configuration
	// Day is the length of a lifecycle day: every count of days (Days,
	// NoncurrentDays, DaysAfterInitiation) is a count of Day, and due times
	// are rounded up to a multiple of Day since the Unix epoch, which for
	// 24 hours is midnight UTC. Zero means 24 hours; tests and test
	// deployments set seconds, so that "a day" passes while they wait.
	// Expiration dates (Date) are absolute and do not scale.
	Day time.Duration
}

func (e Evaluator) day() time.Duration {
	if e.Day <= 0 {
		return 24 * time.Hour
	}
	return e.Day
}

// After is from plus days lifecycle days, rounded up to the next lifecycle
// midnight (a multiple of Day since the Unix epoch), as AWS computes
// expirations: an object created 2014-01-15 10:30 UTC with 3 days expires
// 2014-01-19 00:00 UTC.
func (e Evaluator) After(from time.Time, days int) time.Time {
	d := e.day()
	t := from.UTC()
	if d == 24*time.Hour {
		t = t.AddDate(0, 0, days) // no Duration overflow for any int32 count
	} else if int64(days) > math.MaxInt64/int64(d) {
		return never
	} else {
		t = t.Add(time.Duration(days) * d)
	}
	var r time.Time
	if n := int64(d); n%int64(time.Second) == 0 {
		s := n / int64(time.Second)
		u := t.Unix()
		r = time.Unix(u-mod(u, s), 0).UTC()
	} else {
		u := t.UnixNano()
		r = time.Unix(0, u-mod(u, n)).UTC()
	}
	if r.Before(t) {
		r = r.Add(d)
	}
	return r
}

// never is a due time no lifecycle reaches.
var never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// Version is the action due on v at now, the earliest due of the enabled
// rules whose filter selects v:
//
//   - the latest version, not a delete marker: ExpireCurrent by an
//     Expiration with Days (LastModified plus Days, see After) or Date;
//   - the latest version, a delete marker, the key having no other version
//     (an expired object delete marker): RemoveDeleteMarker by an
//     Expiration with ExpiredObjectDeleteMarker true (at once) or with Days
//     or Date (as for an object); with other versions, nothing, as on AWS;
//   - a noncurrent version or delete marker: DeleteNoncurrent by a
//     NoncurrentVersionExpiration once NoncurrentSince plus NoncurrentDays
//     has passed and, with NewerNoncurrentVersions n, at least n newer
//     noncurrent versions exist.
//
// A delete marker has no tags and size 0 for the filters. Object lock is
// the caller's: it must not delete a version objectlock.CheckDelete
// refuses (adding a delete marker is always allowed).
func (e Evaluator) Version(v Version, now time.Time) Decision {
	best := Decision{}
	consider := func(a Action, due time.Time, id string) {
		if due.After(now) {
			return
		}
		if best.Action == None || due.Before(best.Due) {
			best = Decision{Action: a, RuleID: id, Due: due}
		}
	}
	if e.Config == nil {
		return best
	}
	for i := range e.Config.Rules {
		r := &e.Config.Rules[i]
		if r.Status != statusOn || !r.selects(v.Key, v.Size, v.Tags, v.DeleteMarker) {
			continue
		}
		switch {
		case v.IsLatest && !v.DeleteMarker:
			if due, ok := e.expiration(r, v.LastModified); ok {
				consider(ExpireCurrent, due, r.ID)
			}
		case v.IsLatest && v.DeleteMarker:
			if v.Noncurrent > 0 || r.Expiration == nil {
				continue
			}
			if m := r.Expiration.ExpiredObjectDeleteMarker; m != nil && *m {
				consider(RemoveDeleteMarker, v.LastModified, r.ID)
			} else if due, ok := e.expiration(r, v.LastModified); ok {
				consider(RemoveDeleteMarker, due, r.ID)
			}
		default:
			n := r.NoncurrentVersionExpiration
			if n == nil || n.NoncurrentDays == nil {
				continue
			}
			if k := n.NewerNoncurrentVersions; k != nil && v.NewerNoncurrent < *k {
				continue
			}
			consider(DeleteNoncurrent, e.After(v.NoncurrentSince, *n.NoncurrentDays), r.ID)
		}
	}
	return best
}

// expiration is when r's Expiration (Days or Date) expires a version
// created at created.
func (e Evaluator) expiration(r *Rule, created time.Time) (time.Time, bool) {
	x := r.Expiration
	switch {
	case x == nil:
		return time.Time{}, false
	case x.Days != nil:
		return e.After(created, *x.Days), true
	case x.Date != nil:
		return x.Date.Time, true
	}
	return time.Time{}, false
}

// Expiry is when the enabled rules expire v, for the x-amz-expiration
// header of GetObject, HeadObject and PutObject: the earliest Expiration
// (Days or Date) of the rules selecting the latest version v. ok is false
// for a noncurrent version, a delete marker, or no such rule.
func (e Evaluator) Expiry(v Version) (x Expiry, ok bool) {
	if !v.IsLatest || v.DeleteMarker || e.Config == nil {
		return Expiry{}, false
	}
	for i := range e.Config.Rules {
		r := &e.Config.Rules[i]
		if r.Status != statusOn || !r.selects(v.Key, v.Size, v.Tags, false) {
			continue
		}
		if due, found := e.expiration(r, v.LastModified); found && (!ok || due.Before(x.Date)) {
			x, ok = Expiry{Date: due, RuleID: r.ID}, true
		}
	}
	return x, ok
}

// Header is x's value of the x-amz-expiration header (and, for an upload,
// its x-amz-abort-date is x.Date in the same format):
// expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="picture-deletion-rule".
func (x Expiry) Header() string {
	return `expiry-date="` + HTTPDate(x.Date) + `", rule-id="` + x.RuleID + `"`
}

// HTTPDate writes t as the x-amz-expiration and x-amz-abort-date headers
// do (RFC 7231, GMT).
func HTTPDate(t time.Time) string { return t.UTC().Format(headerLayout) }

// Upload is when the enabled rules abort a multipart upload of key
// initiated at initiated (for the x-amz-abort-date and x-amz-abort-rule-id
// headers of CreateMultipartUpload, UploadPart and ListParts): the earliest
// AbortIncompleteMultipartUpload of the rules whose prefix selects key.
// Rules with a size filter select no upload (its size is not known yet);
// rules with tags cannot abort (Parse refuses them).
func (e Evaluator) Upload(key string, initiated time.Time) (x Expiry, ok bool) {
	if e.Config == nil {
		return Expiry{}, false
	}
	for i := range e.Config.Rules {
		r := &e.Config.Rules[i]
		a := r.AbortIncompleteMultipartUpload
		if r.Status != statusOn || a == nil || a.DaysAfterInitiation == nil || r.sized() || !strings.HasPrefix(key, r.prefix()) {
			continue
		}
		if due := e.After(initiated, *a.DaysAfterInitiation); !ok || due.Before(x.Date) {
			x, ok = Expiry{Date: due, RuleID: r.ID}, true
		}
	}
	return x, ok
}

// UploadDue reports whether the upload of key initiated at initiated is due
// for abort at now, and by which rule.
func (e Evaluator) UploadDue(key string, initiated, now time.Time) (ruleID string, due bool) {
	x, ok := e.Upload(key, initiated)
	if !ok || x.Date.After(now) {
		return "", false
	}
	return x.RuleID, true
}

// Prefix is the longest prefix of every key an enabled rule of c can
// select ("" if one has no prefix): a walk over the versions c may act on
// need not list others.
func (c *Configuration) Prefix() string {
	first, p := true, ""
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.Status != statusOn {
			continue
		}
		rp := r.prefix()
		if first {
			p, first = rp, false
			continue
		}
		for !strings.HasPrefix(rp, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// prefix is the rule's prefix ("" when it has none).
func (r *Rule) prefix() string {
	var p *string
	switch {
	case r.Prefix != nil:
		p = r.Prefix
	case r.Filter == nil:
	case r.Filter.And != nil:
		p = r.Filter.And.Prefix
	default:
		p = r.Filter.Prefix
	}
	if p == nil {
		return ""
	}
	return *p
}

// tags are the tags the rule requires.
func (r *Rule) tags() []Tag {
	switch {
	case r.Filter == nil:
		return nil
	case r.Filter.And != nil:
		return r.Filter.And.Tags
	case r.Filter.Tag != nil:
		return []Tag{*r.Filter.Tag}
	}
	return nil
}

// sizes are the rule's size bounds (nil: none).
func (r *Rule) sizes() (gt, lt *int64) {
	switch {
	case r.Filter == nil:
		return nil, nil
	case r.Filter.And != nil:
		return r.Filter.And.ObjectSizeGreaterThan, r.Filter.And.ObjectSizeLessThan
	}
	return r.Filter.ObjectSizeGreaterThan, r.Filter.ObjectSizeLessThan
}

func (r *Rule) sized() bool {
	gt, lt := r.sizes()
	return gt != nil || lt != nil
}

// selects reports whether the rule's filter selects a version with that
// key, size and tags: the prefix starts the key, every tag is the
// version's, the size is strictly above ObjectSizeGreaterThan and strictly
// below ObjectSizeLessThan. A delete marker has no tags and size 0.
func (r *Rule) selects(key string, size int64, tags map[string]string, deleteMarker bool) bool {
	if deleteMarker {
		size, tags = 0, nil
	}
	if !strings.HasPrefix(key, r.prefix()) {
		return false
	}
	for _, t := range r.tags() {
		if v, ok := tags[t.Key]; !ok || v != t.Value {
			return false
		}
	}
	gt, lt := r.sizes()
	if gt != nil && size <= *gt {
		return false
	}
	if lt != nil && size >= *lt {
		return false
	}
	return true
}
