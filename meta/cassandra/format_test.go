package cassandra

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
		Initiated         time.Time
		Owner             string
		Headers, UserMeta map[string]string
		ChecksumAlgorithm string
		ChecksumType      string
		RetentionMode     string
		RetainUntil       time.Time
		LegalHold         bool
		LegalHoldSet      bool
	}
	old, err := encode(before{Owner: "o", ChecksumAlgorithm: "CRC32"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := decodeUpload(old, "b", "k", "u")
	if err != nil || u.ChecksumAlgorithm != "CRC32" || u.Owner != "o" || u.Tags != nil {
		t.Errorf("old record decoded as %+v, %v", u, err)
	}
	tags := map[string]string{"a": "1"}
	b, err := encodeUpload(meta.Upload{Bucket: "b", Key: "k", UploadID: "u", Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := decodeUpload(b, "b", "k", "u"); err != nil || !maps.Equal(u.Tags, tags) {
		t.Errorf("record with tags decoded as %+v, %v", u, err)
	}
}
