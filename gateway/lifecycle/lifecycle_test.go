package lifecycle

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func doc(rules ...string) string {
	return `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(rules, "") + `</LifecycleConfiguration>`
}

func rule(inner string) string { return "<Rule>" + inner + "</Rule>" }

// a rule with an ID, an empty prefix filter, Enabled, and the actions.
func simple(id, actions string) string {
	return rule("<ID>" + id + "</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>" + actions)
}

func TestParseAccepts(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"expiration days", doc(simple("r", "<Expiration><Days>1</Days></Expiration>"))},
		{"expiration date", doc(simple("r", "<Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration>"))},
		{"expiration date, midnight UTC given with an offset", doc(simple("r", "<Expiration><Date>2030-01-01T01:00:00+01:00</Date></Expiration>"))},
		{"expired object delete marker", doc(simple("r", "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"))},
		{"noncurrent", doc(simple("r", "<NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays><NewerNoncurrentVersions>100</NewerNoncurrentVersions></NoncurrentVersionExpiration>"))},
		{"abort", doc(simple("r", "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>"))},
		{"legacy prefix, disabled", doc(rule("<ID>r</ID><Prefix>logs/</Prefix><Status>Disabled</Status><Expiration><Days>1</Days></Expiration>"))},
		{"empty filter", doc(rule("<ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"))},
		{"tag filter", doc(rule("<ID>r</ID><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"))},
		{"size filter", doc(rule("<ID>r</ID><Filter><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"))},
		{"and", doc(rule("<ID>r</ID><Filter><And><Prefix>a/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>l</Key><Value></Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>20</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"))},
		{"all actions", doc(simple("r", "<Expiration><Days>30</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays></NoncurrentVersionExpiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>"))},
		{"no namespace, two rules", `<LifecycleConfiguration>` + simple("a", "<Expiration><Days>1</Days></Expiration>") + simple("b", "<Expiration><Days>2</Days></Expiration>") + `</LifecycleConfiguration>`},
		{"ID of 255 characters", doc(simple(strings.Repeat("é", 255), "<Expiration><Days>1</Days></Expiration>"))},
		{"prefix of 1024 bytes", doc(rule("<ID>r</ID><Filter><Prefix>" + strings.Repeat("p", 1024) + "</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"))},
		{"1000 rules", doc(strings.Repeat(rule("<Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"), 1000))},
	} {
		c, err := Parse([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		// What Marshal writes parses to the same document again.
		out := c.Marshal()
		back, err := Parse(out)
		if err != nil {
			t.Errorf("%s: Marshal gave %s, which does not parse: %v", tc.name, out, err)
			continue
		}
		if again := back.Marshal(); string(again) != string(out) {
			t.Errorf("%s: Marshal is not stable:\n%s\n%s", tc.name, out, again)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	exp := "<Expiration><Days>1</Days></Expiration>"
	withFilter := func(filter, actions string) string {
		return doc(rule("<ID>r</ID><Filter>" + filter + "</Filter><Status>Enabled</Status>" + actions))
	}
	tag := "<Tag><Key>k</Key><Value>v</Value></Tag>"
	for _, tc := range []struct {
		name string
		body string
		want *Error
	}{
		{"not XML", "Rule", ErrMalformedXML},
		{"other root", "<Lifecycle/>", ErrMalformedXML},
		{"no rule", doc(), ErrMalformedXML},
		{"1001 rules", doc(strings.Repeat(rule("<Filter/><Status>Enabled</Status>"+exp), 1001)), ErrMalformedXML},
		{"status in lower case", doc(rule("<ID>r</ID><Filter/><Status>enabled</Status>" + exp)), ErrMalformedXML},
		{"no status", doc(rule("<ID>r</ID><Filter/>" + exp)), ErrMalformedXML},
		{"neither filter nor prefix", doc(rule("<ID>r</ID><Status>Enabled</Status>" + exp)), ErrMalformedXML},
		{"filter and prefix", doc(rule("<ID>r</ID><Filter/><Prefix>a</Prefix><Status>Enabled</Status>" + exp)), ErrMalformedXML},
		{"prefix and tag in a filter", withFilter("<Prefix>a</Prefix>"+tag, exp), ErrMalformedXML},
		{"two tags without and", withFilter(tag+tag, exp), ErrMalformedXML},
		{"empty and", withFilter("<And></And>", exp), ErrMalformedXML},
		{"unknown element", doc(simple("r", "<Expiration><Days>1</Days><Dayz>1</Dayz></Expiration>")), ErrMalformedXML},
		{"two expirations", doc(simple("r", exp+exp)), ErrMalformedXML},
		{"days and date", doc(simple("r", "<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>")), ErrMalformedXML},
		{"delete marker and days", doc(simple("r", "<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>")), ErrMalformedXML},
		{"empty expiration", doc(simple("r", "<Expiration></Expiration>")), ErrMalformedXML},
		{"days not a number", doc(simple("r", "<Expiration><Days>one</Days></Expiration>")), ErrMalformedXML},
		{"date not a date", doc(simple("r", "<Expiration><Date>20200101</Date></Expiration>")), ErrMalformedXML},
		{"delete marker not a boolean", doc(simple("r", "<Expiration><ExpiredObjectDeleteMarker>yes</ExpiredObjectDeleteMarker></Expiration>")), ErrMalformedXML},

		{"days 0", doc(simple("r", "<Expiration><Days>0</Days></Expiration>")), ErrExpirationDays},
		{"days -1", doc(simple("r", "<Expiration><Days>-1</Days></Expiration>")), ErrExpirationDays},
		{"date not midnight", doc(simple("r", "<Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>")), ErrExpirationDate},
		{"date midnight elsewhere", doc(simple("r", "<Expiration><Date>2030-01-01T00:00:00+01:00</Date></Expiration>")), ErrExpirationDate},
		{"noncurrent days 0", doc(simple("r", "<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>")), ErrNoncurrentDays},
		{"noncurrent without days", doc(simple("r", "<NoncurrentVersionExpiration><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>")), ErrNoncurrentDays},
		{"newer 0", doc(simple("r", "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>0</NewerNoncurrentVersions></NoncurrentVersionExpiration>")), ErrNewerNoncurrent},
		{"newer 101", doc(simple("r", "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>")), ErrNewerNoncurrent},
		{"abort 0", doc(simple("r", "<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>")), ErrAbortDays},
		{"abort without days", doc(simple("r", "<AbortIncompleteMultipartUpload></AbortIncompleteMultipartUpload>")), ErrAbortDays},
		{"abort with a tag", withFilter(tag, "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"), ErrAbortWithTags},
		{"abort with tags in and", withFilter("<And><Prefix>a</Prefix>"+tag+"</And>", "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"), ErrAbortWithTags},
		{"delete marker with a tag", withFilter(tag, "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"), ErrDeleteMarkerTags},
		{"ID of 256 characters", doc(simple(strings.Repeat("i", 256), exp)), ErrIDTooLong},
		{"same ID twice", doc(simple("r", exp), simple("r", exp)), ErrDuplicateID},
		{"no action", doc(rule("<ID>r</ID><Filter/><Status>Enabled</Status>")), ErrNoAction},
		{"prefix of 1025 bytes", withFilter("<Prefix>"+strings.Repeat("p", 1025)+"</Prefix>", exp), ErrPrefixTooLong},
		{"legacy prefix of 1025 bytes", doc(rule("<ID>r</ID><Prefix>" + strings.Repeat("p", 1025) + "</Prefix><Status>Enabled</Status>" + exp)), ErrPrefixTooLong},
		{"same tag key twice", withFilter("<And>"+tag+"<Tag><Key>k</Key><Value>w</Value></Tag></And>", exp), ErrDuplicateTagKey},
		{"empty tag key", withFilter("<Tag><Key></Key><Value>v</Value></Tag>", exp), ErrTagKey},
		{"tag value too long", withFilter("<Tag><Key>k</Key><Value>"+strings.Repeat("v", 257)+"</Value></Tag>", exp), ErrTagValue},
		{"crossed sizes", withFilter("<And><ObjectSizeGreaterThan>20</ObjectSizeGreaterThan><ObjectSizeLessThan>20</ObjectSizeLessThan></And>", exp), ErrSizeRange},
		{"negative size", withFilter("<ObjectSizeLessThan>-1</ObjectSizeLessThan>", exp), ErrNegativeSize},
		{"transition", doc(simple("r", "<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>")), ErrTransition},
		{"noncurrent transition", doc(simple("r", "<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>")), ErrTransition},
	} {
		_, err := Parse([]byte(tc.body))
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.want.Code || e.Message != tc.want.Message || e.Status != tc.want.Status {
			t.Errorf("%s: error %v, want %v (%d)", tc.name, err, tc.want, tc.want.Status)
		}
	}
	// The codes are the ones the brief of each error names.
	for _, c := range []struct {
		e    *Error
		code string
		st   int
	}{{ErrMalformedXML, "MalformedXML", 400}, {ErrExpirationDays, "InvalidArgument", 400}, {ErrDuplicateID, "InvalidArgument", 400},
		{ErrAbortWithTags, "InvalidRequest", 400}, {ErrTransition, "NotImplemented", 501}} {
		if c.e.Code != c.code || c.e.Status != c.st {
			t.Errorf("%v: code %s %d, want %s %d", c.e, c.e.Code, c.e.Status, c.code, c.st)
		}
	}
}

func TestParseGeneratesIDs(t *testing.T) {
	c, err := Parse([]byte(doc(rule("<Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"), rule("<ID></ID><Filter/><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>"))))
	if err != nil {
		t.Fatal(err)
	}
	a, b := c.Rules[0].ID, c.Rules[1].ID
	if len(a) != 48 || len(b) != 48 || a == b {
		t.Errorf("generated IDs %q, %q: want two different 48-character IDs", a, b)
	}
	back, err := Parse(c.Marshal())
	if err != nil || back.Rules[0].ID != a || back.Rules[1].ID != b {
		t.Errorf("the generated IDs do not survive Marshal: %v", err)
	}
}

func TestMarshal(t *testing.T) {
	body := doc(rule("<ID>keep</ID><Filter><And><Prefix>a/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status>" +
		"<Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration><NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays></NoncurrentVersionExpiration>"))
	c, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>keep</ID><Filter><And><Prefix>a/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status>` +
		`<Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration><NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>`
	if got := string(c.Marshal()); got != want {
		t.Errorf("Marshal:\n%s\nwant\n%s", got, want)
	}
}

func mustParse(t *testing.T, rules ...string) *Configuration {
	t.Helper()
	c, err := Parse([]byte(doc(rules...)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAfter(t *testing.T) {
	e := Evaluator{}
	for _, tc := range []struct {
		from string
		days int
		want string
	}{
		{"2014-01-15T10:30:00Z", 3, "2014-01-19T00:00:00Z"}, // AWS's example
		{"2014-01-15T00:00:00Z", 1, "2014-01-16T00:00:00Z"}, // midnight stays midnight
		{"2014-01-15T23:59:59Z", 1, "2014-01-17T00:00:00Z"},
		{"2014-01-15T22:30:00-02:00", 1, "2014-01-18T00:00:00Z"}, // 00:30 UTC on the 16th
		{"2014-01-15T10:30:00Z", 2147483647, "5881610-07-12T00:00:00Z"},
	} {
		got := e.After(date(tc.from), tc.days)
		if tc.days == 2147483647 {
			if got.Year() < 5000000 {
				t.Errorf("After(%s, %d) = %v, want far ahead", tc.from, tc.days, got)
			}
			continue
		}
		if !got.Equal(date(tc.want)) {
			t.Errorf("After(%s, %d) = %v, want %s", tc.from, tc.days, got, tc.want)
		}
	}
	// A day of 10 seconds: 3 days from 12:00:05 is 12:00:35, already a
	// multiple of 10 seconds since the epoch; from 12:00:07, 12:00:40.
	short := Evaluator{Day: 10 * time.Second}
	for from, want := range map[string]string{"2024-05-06T12:00:05Z": "2024-05-06T12:00:40Z", "2024-05-06T12:00:00Z": "2024-05-06T12:00:30Z", "2024-05-06T12:00:07Z": "2024-05-06T12:00:40Z"} {
		if got := short.After(date(from), 3); !got.Equal(date(want)) {
			t.Errorf("After(%s, 3) with 10 s days = %v, want %s", from, got, want)
		}
	}
	if got := (Evaluator{Day: 250 * time.Millisecond}).After(date("2024-05-06T12:00:00Z").Add(100*time.Millisecond), 1); !got.Equal(date("2024-05-06T12:00:00Z").Add(500 * time.Millisecond)) {
		t.Errorf("After with 250 ms days = %v", got)
	}
	if got := short.After(date("2024-05-06T12:00:00Z"), 2147483647); !got.After(date("2024-05-06T12:00:00Z")) {
		t.Errorf("a count of days that overflows a Duration = %v, want far ahead", got)
	}
}

func TestVersion(t *testing.T) {
	created := date("2024-05-06T10:30:00Z")
	cfg := mustParse(t,
		simple("days", "<Expiration><Days>3</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>"),
		rule("<ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"),
		rule("<ID>tagged</ID><Filter><Tag><Key>temp</Key><Value>yes</Value></Tag></Filter><Status>Enabled</Status><Expiration><Date>2024-05-07T00:00:00Z</Date></Expiration>"),
		rule("<ID>big</ID><Filter><ObjectSizeGreaterThan>1000</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>"),
		rule("<ID>off</ID><Filter><Prefix>off/</Prefix></Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration>"),
		rule("<ID>markers</ID><Filter><Prefix>dm/</Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"),
	)
	e := Evaluator{Config: cfg}
	obj := func(key string, size int64, tags map[string]string) Version {
		return Version{Key: key, Size: size, Tags: tags, LastModified: created, IsLatest: true}
	}
	noncurrent := func(key string, since string, newer int) Version {
		return Version{Key: key, LastModified: created, NoncurrentSince: date(since), NewerNoncurrent: newer}
	}
	marker := func(key string, others int) Version {
		return Version{Key: key, LastModified: created, IsLatest: true, DeleteMarker: true, Noncurrent: others}
	}
	for _, tc := range []struct {
		name string
		v    Version
		now  string
		want Decision
	}{
		{"young object", obj("a", 10, nil), "2024-05-09T23:59:59Z", Decision{}},
		{"object 3 days old, rounded to midnight", obj("a", 10, nil), "2024-05-10T00:00:00Z", Decision{ExpireCurrent, "days", date("2024-05-10T00:00:00Z")}},
		{"log after a day: the earliest rule", obj("logs/x", 10, nil), "2024-05-08T00:00:00Z", Decision{ExpireCurrent, "logs", date("2024-05-08T00:00:00Z")}},
		{"log before its day", obj("logs/x", 10, nil), "2024-05-07T23:00:00Z", Decision{}},
		{"tagged, on the date", obj("t", 10, map[string]string{"temp": "yes"}), "2024-05-07T00:00:00Z", Decision{ExpireCurrent, "tagged", date("2024-05-07T00:00:00Z")}},
		{"tag with another value", obj("t", 10, map[string]string{"temp": "no"}), "2024-05-07T00:00:00Z", Decision{}},
		{"big object", obj("b", 1001, nil), "2024-05-09T00:00:00Z", Decision{ExpireCurrent, "big", date("2024-05-09T00:00:00Z")}},
		{"object of exactly the bound", obj("b", 1000, nil), "2024-05-09T00:00:00Z", Decision{}},
		{"disabled rule", obj("off/x", 10, nil), "2024-05-08T00:00:00Z", Decision{}},
		{"noncurrent, days passed, enough newer", noncurrent("a", "2024-05-07T12:00:00Z", 2), "2024-05-10T00:00:00Z", Decision{DeleteNoncurrent, "days", date("2024-05-10T00:00:00Z")}},
		{"noncurrent, days not passed", noncurrent("a", "2024-05-07T12:00:00Z", 2), "2024-05-09T23:00:00Z", Decision{}},
		{"noncurrent among the kept newest", noncurrent("a", "2024-05-07T12:00:00Z", 1), "2024-06-01T00:00:00Z", Decision{}},
		{"noncurrent log: only the first rule has noncurrent expiration", noncurrent("logs/x", "2024-05-07T12:00:00Z", 5), "2024-05-10T00:00:00Z", Decision{DeleteNoncurrent, "days", date("2024-05-10T00:00:00Z")}},
		{"expired object delete marker", marker("dm/x", 0), "2024-05-06T10:30:00Z", Decision{RemoveDeleteMarker, "markers", created}},
		{"delete marker with versions", marker("dm/x", 1), "2024-06-06T00:00:00Z", Decision{}},
		{"expired delete marker under a days rule", marker("a", 0), "2024-05-10T00:00:00Z", Decision{RemoveDeleteMarker, "days", date("2024-05-10T00:00:00Z")}},
		{"expired delete marker, days not passed", marker("a", 0), "2024-05-09T00:00:00Z", Decision{}},
		{"delete marker: no tags for a tag rule", Version{Key: "t", LastModified: created, IsLatest: true, DeleteMarker: true, Tags: map[string]string{"temp": "yes"}}, "2024-05-07T00:00:00Z", Decision{}},
		{"noncurrent delete marker", Version{Key: "a", DeleteMarker: true, NoncurrentSince: date("2024-05-07T12:00:00Z"), NewerNoncurrent: 3}, "2024-05-10T00:00:00Z", Decision{DeleteNoncurrent, "days", date("2024-05-10T00:00:00Z")}},
	} {
		got := e.Version(tc.v, date(tc.now))
		if got.Action != tc.want.Action || got.RuleID != tc.want.RuleID || !got.Due.Equal(tc.want.Due) {
			t.Errorf("%s: %v %q %v, want %v %q %v", tc.name, got.Action, got.RuleID, got.Due, tc.want.Action, tc.want.RuleID, tc.want.Due)
		}
	}
	if got := (Evaluator{}).Version(obj("a", 1, nil), date("2100-01-01T00:00:00Z")); got.Action != None {
		t.Errorf("no configuration: %v", got.Action)
	}
}

func TestVersionWithShortDays(t *testing.T) {
	cfg := mustParse(t, simple("r", "<Expiration><Days>2</Days></Expiration>"))
	e := Evaluator{Config: cfg, Day: time.Second}
	created := date("2024-05-06T10:30:00Z").Add(300 * time.Millisecond)
	v := Version{Key: "k", LastModified: created, IsLatest: true}
	if got := e.Version(v, created.Add(2*time.Second)); got.Action != None {
		t.Errorf("at created + 2 s: %v, want none until the next whole second", got.Action)
	}
	if got := e.Version(v, date("2024-05-06T10:30:03Z")); got.Action != ExpireCurrent {
		t.Errorf("at 10:30:03: %v, want ExpireCurrent", got.Action)
	}
}

func TestExpiry(t *testing.T) {
	cfg := mustParse(t,
		rule("<ID>picture-deletion-rule</ID><Filter><Prefix>pictures/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>7</Days></Expiration>"),
		rule("<ID>by-date</ID><Filter><Prefix>pictures/old/</Prefix></Filter><Status>Enabled</Status><Expiration><Date>2012-12-20T00:00:00Z</Date></Expiration>"),
		rule("<ID>markers</ID><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"),
	)
	e := Evaluator{Config: cfg}
	created := date("2012-12-15T08:00:00Z")
	for _, tc := range []struct {
		name   string
		v      Version
		header string
	}{
		{"days", Version{Key: "pictures/a.jpg", LastModified: created, IsLatest: true}, `expiry-date="Sun, 23 Dec 2012 00:00:00 GMT", rule-id="picture-deletion-rule"`},
		{"the earlier date wins", Version{Key: "pictures/old/a.jpg", LastModified: created, IsLatest: true}, `expiry-date="Thu, 20 Dec 2012 00:00:00 GMT", rule-id="by-date"`},
		{"no rule", Version{Key: "docs/a", LastModified: created, IsLatest: true}, ""},
		{"noncurrent", Version{Key: "pictures/a.jpg", LastModified: created}, ""},
		{"delete marker", Version{Key: "pictures/a.jpg", LastModified: created, IsLatest: true, DeleteMarker: true}, ""},
	} {
		x, ok := e.Expiry(tc.v)
		got := ""
		if ok {
			got = x.Header()
		}
		if got != tc.header {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.header)
		}
	}
}

func TestUpload(t *testing.T) {
	cfg := mustParse(t,
		rule("<ID>all</ID><Filter/><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>"),
		rule("<ID>tmp</ID><Prefix>tmp/</Prefix><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"),
		rule("<ID>sized</ID><Filter><ObjectSizeLessThan>10</ObjectSizeLessThan></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"),
		rule("<ID>off</ID><Filter><Prefix>off/</Prefix></Filter><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"),
	)
	e := Evaluator{Config: cfg}
	initiated := date("2024-05-06T10:30:00Z")
	for _, tc := range []struct {
		key, now string
		rule     string
		due      bool
	}{
		{"a", "2024-05-13T23:59:59Z", "", false},
		{"a", "2024-05-14T00:00:00Z", "all", true},
		{"tmp/a", "2024-05-08T00:00:00Z", "tmp", true},
		{"tmp/a", "2024-05-07T23:59:59Z", "", false},
		{"off/a", "2024-05-08T00:00:00Z", "", false},
	} {
		id, due := e.UploadDue(tc.key, initiated, date(tc.now))
		if id != tc.rule || due != tc.due {
			t.Errorf("UploadDue(%s, %s) = %q, %v; want %q, %v", tc.key, tc.now, id, due, tc.rule, tc.due)
		}
	}
	x, ok := e.Upload("tmp/a", initiated)
	if !ok || x.RuleID != "tmp" || HTTPDate(x.Date) != "Wed, 08 May 2024 00:00:00 GMT" {
		t.Errorf("Upload(tmp/a) = %+v, %v", x, ok)
	}
	if _, ok := (Evaluator{}).Upload("a", initiated); ok {
		t.Error("an upload has an abort date without a configuration")
	}
}
