package s3api

import (
	"encoding/xml"
	"testing"

	"github.com/dolium/dolium/gateway"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		in   string
		want *gateway.Range
	}{
		{"bytes=0-9", &gateway.Range{Start: 0, End: 9}},
		{"bytes=5-", &gateway.Range{Start: 5, End: -1}},
		{"bytes=-3", &gateway.Range{Suffix: 3}},
		{" bytes=1-1", &gateway.Range{Start: 1, End: 1}},
		{"", nil},
		{"bytes=9-5", nil},     // invalid: ignored, as S3 does
		{"bytes=0-1,4-5", nil}, // multiple ranges: ignored
		{"bytes=-0", nil},      // empty suffix
		{"bytes=a-b", nil},
		{"bytes=+1-2", nil},
		{"items=0-1", nil},
		{"bytes=-", nil},
		{"bytes=99999999999999999999-", nil},
	}
	for _, tt := range tests {
		got := parseRange(tt.in)
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("parseRange(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestRangeResolve(t *testing.T) {
	tests := []struct {
		r           gateway.Range
		size        int64
		off, n      int64
		unsatisfied bool
	}{
		{gateway.Range{Start: 0, End: 9}, 100, 0, 10, false},
		{gateway.Range{Start: 90, End: 200}, 100, 90, 10, false},
		{gateway.Range{Start: 5, End: -1}, 100, 5, 95, false},
		{gateway.Range{Suffix: 10}, 100, 90, 10, false},
		{gateway.Range{Suffix: 1000}, 100, 0, 100, false},
		{gateway.Range{Start: 100, End: -1}, 100, 0, 0, true},
		{gateway.Range{Start: 0, End: 0}, 0, 0, 0, true},
		{gateway.Range{Suffix: 5}, 0, 0, 0, true},
	}
	for _, tt := range tests {
		off, n, err := tt.r.Resolve(tt.size)
		if (err != nil) != tt.unsatisfied || (err == nil && (off != tt.off || n != tt.n)) {
			t.Errorf("%+v.Resolve(%d) = %d, %d, %v; want %d, %d, unsatisfiable=%v", tt.r, tt.size, off, n, err, tt.off, tt.n, tt.unsatisfied)
		}
	}
}

// FuzzParseRange: never panics; any range returned is well-formed.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=-5", "bytes=5-", "bytes=1-0", "bytes=0-1,2-3", "", "bytes=--1"} {
		f.Add(s, int64(100))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		r := parseRange(h)
		if r == nil {
			return
		}
		if r.Suffix < 0 || r.Start < 0 || (r.End >= 0 && r.End < r.Start) {
			t.Fatalf("parseRange(%q) = %+v: malformed", h, r)
		}
		if size < 0 {
			return
		}
		off, n, err := r.Resolve(size)
		if err == nil && (off < 0 || n <= 0 || off+n > size) {
			t.Fatalf("%+v.Resolve(%d) = %d, %d: outside the object", r, size, off, n)
		}
	})
}

// FuzzXMLBodies: the request documents decode or fail cleanly.
func FuzzXMLBodies(f *testing.F) {
	for _, s := range []string{
		`<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object></Delete>`,
		`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`,
		`<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>`,
		`<Delete><Object><Key>&lt;&#x0;</Key></Object>`,
		`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Delete/>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d deleteRequest
		if xml.Unmarshal(b, &d) == nil && len(d.Objects) > len(b) {
			t.Fatalf("decoded %d objects from %d bytes", len(d.Objects), len(b))
		}
		var c completeMultipartUploadRequest
		_ = xml.Unmarshal(b, &c)
		var l createBucketConfiguration
		_ = xml.Unmarshal(b, &l)
	})
}
