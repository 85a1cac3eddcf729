package pebble

import (
	"maps"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
)

// An upload record written before uploads kept their tags decodes, with
// no tags; one written now keeps them.
func TestUploadRecordTags(t *testing.T) {
	type before struct { // uploadRec as it was before its Tags field
		Bucket, Key, UploadID string
		Initiated             time.Time
		Owner                 string
		Headers, UserMeta     map[string]string
		ChecksumAlgorithm     string
		ChecksumType          string
		RetentionMode         string
		RetainUntil           time.Time
		LegalHold             bool
		LegalHoldSet          bool
	}
	old, err := encode(before{Bucket: "b", Key: "k", UploadID: "u", Owner: "o", ChecksumAlgorithm: "CRC32"})
	if err != nil {
		t.Fatal(err)
	}
	var r uploadRec
	if err := decode(old, &r); err != nil {
		t.Fatalf("decode an upload record of before tags: %v", err)
	}
	if u := r.upload(); u.UploadID != "u" || u.ChecksumAlgorithm != "CRC32" || u.Tags != nil {
		t.Errorf("old record decoded as %+v", u)
	}
	tags := map[string]string{"a": "1"}
	b, err := encode(toUploadRec(meta.Upload{Bucket: "b", Key: "k", UploadID: "u", Tags: tags}))
	if err != nil {
		t.Fatal(err)
	}
	r = uploadRec{}
	if err := decode(b, &r); err != nil || !maps.Equal(r.upload().Tags, tags) {
		t.Errorf("record with tags decoded as %+v, %v", r.upload(), err)
	}
}
