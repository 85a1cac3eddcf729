package metatest

import (
	"reflect"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
)

func testCompletions(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("PutGet", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		_, err := s.GetCompletion(ctx, "u-none")
		wantErr(t, "GetCompletion(absent)", err, meta.ErrNotFound)
		c := meta.Completion{
			UploadID: "u-1", Bucket: "b", Key: "k\x00ey", Parts: "digest", VersionID: "v1",
			ETag: "abc-2", Size: 42, Checksums: map[string]string{"CRC32": "AAAAAA==-2"}, ChecksumType: "COMPOSITE",
			Done: time.Now().Truncate(time.Millisecond),
		}
		noErr(t, "PutCompletion", s.PutCompletion(ctx, c, time.Hour))
		got, err := s.GetCompletion(ctx, "u-1")
		noErr(t, "GetCompletion", err)
		if !got.Done.Equal(c.Done) {
			t.Fatalf("GetCompletion().Done = %v, want %v", got.Done, c.Done)
		}
		got.Done = c.Done
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("GetCompletion() = %+v, want %+v", got, c)
		}
		// A later record of the same upload replaces it.
		a := meta.Completion{UploadID: "u-1", Bucket: "b", Key: "k\x00ey", Aborted: true, Done: time.Now()}
		noErr(t, "PutCompletion(replace)", s.PutCompletion(ctx, a, time.Hour))
		got, err = s.GetCompletion(ctx, "u-1")
		noErr(t, "GetCompletion(replaced)", err)
		if !got.Aborted || got.ETag != "" {
			t.Fatalf("GetCompletion() after replace = %+v, want the aborted record", got)
		}
		if _, err := s.GetCompletion(ctx, "u-2"); err == nil {
			t.Fatalf("GetCompletion(u-2) found a record of another upload")
		}
	})
	t.Run("Expires", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		noErr(t, "PutCompletion(short)", s.PutCompletion(ctx, meta.Completion{UploadID: "short", Bucket: "b", Key: "k", Done: time.Now()}, time.Second))
		noErr(t, "PutCompletion(long)", s.PutCompletion(ctx, meta.Completion{UploadID: "long", Bucket: "b", Key: "k", Done: time.Now()}, time.Hour))
		if _, err := s.GetCompletion(ctx, "short"); err != nil {
			t.Fatalf("GetCompletion(short) right away = %v, want the record", err)
		}
		time.Sleep(2500 * time.Millisecond)
		_, err := s.GetCompletion(ctx, "short")
		wantErr(t, "GetCompletion(short) after its ttl", err, meta.ErrNotFound)
		// A later put drops expired records; the live one stays.
		noErr(t, "PutCompletion(other)", s.PutCompletion(ctx, meta.Completion{UploadID: "other", Bucket: "b", Key: "k", Done: time.Now()}, time.Hour))
		_, err = s.GetCompletion(ctx, "short")
		wantErr(t, "GetCompletion(short) after a later put", err, meta.ErrNotFound)
		if _, err := s.GetCompletion(ctx, "long"); err != nil {
			t.Fatalf("GetCompletion(long) = %v, want the record", err)
		}
	})
}
