package conformance

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
)

// treeKeys is the small tree both listing tests share, in sorted order.
var treeKeys = []string{"a.txt", "dir/b.txt", "dir/c.txt", "dir/sub/d.txt", "e/f.txt", "z.txt"}

// oddKeys need URL encoding in listings.
var oddKeys = []string{"plus+sign", "unicodé/ü.txt", "with space/file one.txt", "percent%41", "amp&lt<gt>", "tab\there"}

func pagingKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("page/%04d", i)
	}
	return keys
}

func objKeys(objs []types.Object) []string {
	out := []string{}
	for _, o := range objs {
		out = append(out, aws.ToString(o.Key))
	}
	return out
}

func prefixes(cps []types.CommonPrefix) []string {
	out := []string{}
	for _, p := range cps {
		out = append(out, aws.ToString(p.Prefix))
	}
	return out
}

// wantList asserts the keys and common prefixes of one listing page.
func wantList(t *testing.T, what string, gotKeys, gotPrefixes, wantKeys, wantPrefixes []string) {
	t.Helper()
	if wantKeys == nil {
		wantKeys = []string{}
	}
	if wantPrefixes == nil {
		wantPrefixes = []string{}
	}
	if !equalStrings(gotKeys, wantKeys) {
		t.Errorf("%s: got keys %q, want %q", what, gotKeys, wantKeys)
	}
	if !equalStrings(gotPrefixes, wantPrefixes) {
		t.Errorf("%s: got common prefixes %q, want %q", what, gotPrefixes, wantPrefixes)
	}
}

// checkURLEncoded asserts that raw (as returned with encoding-type=url) is
// URL-encoded and decodes to one of want; it returns the decoded value.
func checkURLEncoded(t *testing.T, what, raw string) string {
	t.Helper()
	if strings.ContainsAny(raw, " \t<>&") || !isASCII(raw) {
		t.Errorf("%s: got %q, want it URL-encoded (no spaces, tabs, XML specials or non-ASCII)", what, raw)
	}
	dec, err := url.QueryUnescape(raw)
	if err != nil {
		t.Errorf("%s: %q does not URL-decode: %v", what, raw, err)
		return raw
	}
	return dec
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func TestListObjectsV2(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	putMany(t, bucket, treeKeys)
	list := func(t *testing.T, in s3.ListObjectsV2Input) *s3.ListObjectsV2Output {
		t.Helper()
		in.Bucket = &bucket
		out, err := cl.ListObjectsV2(ctx(t), &in)
		mustOK(t, "ListObjectsV2", err)
		return out
	}

	t.Run("all", func(t *testing.T) {
		out := list(t, s3.ListObjectsV2Input{})
		wantList(t, "all", objKeys(out.Contents), prefixes(out.CommonPrefixes), treeKeys, nil)
		if aws.ToInt32(out.KeyCount) != int32(len(treeKeys)) || aws.ToBool(out.IsTruncated) {
			t.Errorf("KeyCount/IsTruncated: got %d/%v, want %d/false", aws.ToInt32(out.KeyCount), aws.ToBool(out.IsTruncated), len(treeKeys))
		}
		for _, o := range out.Contents {
			want := "x:" + aws.ToString(o.Key)
			if aws.ToInt64(o.Size) != int64(len(want)) || aws.ToString(o.ETag) != quoted(md5Hex([]byte(want))) || o.LastModified == nil {
				t.Errorf("entry %s: got size %d etag %s lastmod %v, want %d %s and a time", aws.ToString(o.Key), aws.ToInt64(o.Size), aws.ToString(o.ETag), o.LastModified, len(want), quoted(md5Hex([]byte(want))))
			}
		}
	})

	t.Run("prefix", func(t *testing.T) {
		out := list(t, s3.ListObjectsV2Input{Prefix: aws.String("dir/")})
		wantList(t, "prefix dir/", objKeys(out.Contents), prefixes(out.CommonPrefixes), []string{"dir/b.txt", "dir/c.txt", "dir/sub/d.txt"}, nil)
		if aws.ToString(out.Prefix) != "dir/" {
			t.Errorf("Prefix echo: got %q, want dir/", aws.ToString(out.Prefix))
		}
	})

	t.Run("delimiter", func(t *testing.T) {
		out := list(t, s3.ListObjectsV2Input{Delimiter: aws.String("/")})
		wantList(t, "delimiter /", objKeys(out.Contents), prefixes(out.CommonPrefixes), []string{"a.txt", "z.txt"}, []string{"dir/", "e/"})
		if aws.ToInt32(out.KeyCount) != 4 {
			t.Errorf("KeyCount: got %d, want 4 (keys plus common prefixes)", aws.ToInt32(out.KeyCount))
		}
		out = list(t, s3.ListObjectsV2Input{Delimiter: aws.String("/"), Prefix: aws.String("dir/")})
		wantList(t, "prefix dir/ delimiter /", objKeys(out.Contents), prefixes(out.CommonPrefixes), []string{"dir/b.txt", "dir/c.txt"}, []string{"dir/sub/"})
	})

	t.Run("max-keys and continuation", func(t *testing.T) {
		var pages [][]string
		var token *string
		for i := 0; i < 10; i++ {
			out := list(t, s3.ListObjectsV2Input{MaxKeys: aws.Int32(2), ContinuationToken: token})
			pages = append(pages, objKeys(out.Contents))
			if aws.ToInt32(out.MaxKeys) != 2 {
				t.Errorf("MaxKeys echo: got %d, want 2", aws.ToInt32(out.MaxKeys))
			}
			if !aws.ToBool(out.IsTruncated) {
				if out.NextContinuationToken != nil {
					t.Errorf("last page: got NextContinuationToken %q, want none", aws.ToString(out.NextContinuationToken))
				}
				break
			}
			if aws.ToString(out.NextContinuationToken) == "" {
				t.Fatalf("truncated page %d: got no NextContinuationToken", i)
			}
			token = out.NextContinuationToken
		}
		want := fmt.Sprint([][]string{{"a.txt", "dir/b.txt"}, {"dir/c.txt", "dir/sub/d.txt"}, {"e/f.txt", "z.txt"}})
		if fmt.Sprint(pages) != want {
			t.Errorf("pages: got %v, want %v", pages, want)
		}
	})

	t.Run("max-keys with delimiter", func(t *testing.T) {
		var seen []string
		var token *string
		for i := 0; i < 10; i++ {
			out := list(t, s3.ListObjectsV2Input{MaxKeys: aws.Int32(1), Delimiter: aws.String("/"), ContinuationToken: token})
			seen = append(seen, objKeys(out.Contents)...)
			seen = append(seen, prefixes(out.CommonPrefixes)...)
			if n := len(out.Contents) + len(out.CommonPrefixes); n != 1 {
				t.Errorf("page %d: got %d entries, want 1", i, n)
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			token = out.NextContinuationToken
		}
		if want := []string{"a.txt", "dir/", "e/", "z.txt"}; !equalStrings(seen, want) {
			t.Errorf("entries: got %q, want %q", seen, want)
		}
	})

	t.Run("start-after", func(t *testing.T) {
		out := list(t, s3.ListObjectsV2Input{StartAfter: aws.String("dir/c.txt")})
		wantList(t, "start-after dir/c.txt", objKeys(out.Contents), prefixes(out.CommonPrefixes), []string{"dir/sub/d.txt", "e/f.txt", "z.txt"}, nil)
		out = list(t, s3.ListObjectsV2Input{StartAfter: aws.String("dir/c")}) // not itself a key
		wantList(t, "start-after dir/c", objKeys(out.Contents), prefixes(out.CommonPrefixes), []string{"dir/c.txt", "dir/sub/d.txt", "e/f.txt", "z.txt"}, nil)
	})

	t.Run("encoding-type url", func(t *testing.T) {
		b := newBucket(t)
		putMany(t, b, oddKeys)
		out, err := cl.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: &b, EncodingType: types.EncodingTypeUrl})
		mustOK(t, "ListObjectsV2 encoding-type=url", err)
		if out.EncodingType != types.EncodingTypeUrl {
			t.Errorf("EncodingType: got %q, want url", out.EncodingType)
		}
		var got []string
		for _, k := range objKeys(out.Contents) {
			got = append(got, checkURLEncoded(t, "key", k))
		}
		if !equalStrings(got, sortedCopy(oddKeys)) {
			t.Errorf("decoded keys: got %q, want %q", got, sortedCopy(oddKeys))
		}
		out, err = cl.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: &b, EncodingType: types.EncodingTypeUrl, Delimiter: aws.String("/")})
		mustOK(t, "ListObjectsV2 encoding-type=url delimiter", err)
		var cps []string
		for _, p := range prefixes(out.CommonPrefixes) {
			cps = append(cps, checkURLEncoded(t, "common prefix", p))
		}
		if want := []string{"unicodé/", "with space/"}; !equalStrings(cps, want) {
			t.Errorf("decoded common prefixes: got %q, want %q", cps, want)
		}
		// Without encoding the keys come back verbatim.
		plain, err := cl.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: &b})
		mustOK(t, "ListObjectsV2", err)
		if got := objKeys(plain.Contents); !equalStrings(got, sortedCopy(oddKeys)) {
			t.Errorf("plain keys: got %q, want %q", got, sortedCopy(oddKeys))
		}
	})

	t.Run("paging 300 keys", func(t *testing.T) {
		b := newBucket(t)
		keys := pagingKeys(300)
		putMany(t, b, keys)
		p := s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: &b, MaxKeys: aws.Int32(100)})
		var got []string
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(ctx(t))
			mustOK(t, "ListObjectsV2 page", err)
			pages++
			if len(out.Contents) > 100 {
				t.Errorf("page %d: got %d keys, want at most 100", pages, len(out.Contents))
			}
			got = append(got, objKeys(out.Contents)...)
			if pages > 10 {
				t.Fatalf("paginator did not stop after %d pages", pages)
			}
		}
		if pages != 3 || !equalStrings(got, keys) {
			t.Errorf("SDK paginator: got %d pages and %d keys (in order: %v), want 3 pages and the 300 keys in order", pages, len(got), equalStrings(got, keys))
		}
		var mgot []string
		for o := range rootMinio(t).ListObjects(ctx(t), b, minio.ListObjectsOptions{Recursive: true, MaxKeys: 100}) {
			if o.Err != nil {
				t.Fatalf("minio ListObjects: %v", o.Err)
			}
			mgot = append(mgot, o.Key)
		}
		if !equalStrings(mgot, keys) {
			t.Errorf("minio ListObjects: got %d keys (in order: %v), want the 300 keys in order", len(mgot), equalStrings(mgot, keys))
		}
	})

	t.Run("empty bucket", func(t *testing.T) {
		b := newBucket(t)
		out, err := cl.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: &b})
		mustOK(t, "ListObjectsV2 empty", err)
		if len(out.Contents) != 0 || len(out.CommonPrefixes) != 0 || aws.ToInt32(out.KeyCount) != 0 || aws.ToBool(out.IsTruncated) {
			t.Errorf("empty bucket: got %d contents, %d prefixes, KeyCount %d, truncated %v; want nothing", len(out.Contents), len(out.CommonPrefixes), aws.ToInt32(out.KeyCount), aws.ToBool(out.IsTruncated))
		}
		if aws.ToString(out.Name) != b {
			t.Errorf("Name: got %q, want %q", aws.ToString(out.Name), b)
		}
	})

	t.Run("no such bucket", func(t *testing.T) {
		_, err := cl.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: aws.String(bucketName(t))})
		wantErr(t, "ListObjectsV2 missing bucket", err, http.StatusNotFound, "NoSuchBucket")
	})
}

func TestListObjectsV1(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	putMany(t, bucket, treeKeys)
	list := func(t *testing.T, in s3.ListObjectsInput) *s3.ListObjectsOutput {
		t.Helper()
		in.Bucket = &bucket
		out, err := cl.ListObjects(ctx(t), &in)
		mustOK(t, "ListObjects", err)
		return out
	}

	t.Run("all", func(t *testing.T) {
		out := list(t, s3.ListObjectsInput{})
		wantList(t, "all", objKeys(out.Contents), prefixes(out.CommonPrefixes), treeKeys, nil)
		if aws.ToBool(out.IsTruncated) {
			t.Errorf("IsTruncated: got true, want false")
		}
	})

	t.Run("prefix and delimiter", func(t *testing.T) {
		out := list(t, s3.ListObjectsInput{Prefix: aws.String("dir/")})
		wantList(t, "prefix dir/", objKeys(out.Contents), prefixes(out.CommonPrefixes), []string{"dir/b.txt", "dir/c.txt", "dir/sub/d.txt"}, nil)
		out = list(t, s3.ListObjectsInput{Delimiter: aws.String("/")})
		wantList(t, "delimiter /", objKeys(out.Contents), prefixes(out.CommonPrefixes), []string{"a.txt", "z.txt"}, []string{"dir/", "e/"})
		out = list(t, s3.ListObjectsInput{Delimiter: aws.String("/"), Prefix: aws.String("dir/")})
		wantList(t, "prefix dir/ delimiter /", objKeys(out.Contents), prefixes(out.CommonPrefixes), []string{"dir/b.txt", "dir/c.txt"}, []string{"dir/sub/"})
	})

	t.Run("max-keys and marker", func(t *testing.T) {
		out := list(t, s3.ListObjectsInput{MaxKeys: aws.Int32(2)})
		wantList(t, "page 1", objKeys(out.Contents), prefixes(out.CommonPrefixes), []string{"a.txt", "dir/b.txt"}, nil)
		if !aws.ToBool(out.IsTruncated) {
			t.Errorf("page 1: got IsTruncated false, want true")
		}
		out = list(t, s3.ListObjectsInput{MaxKeys: aws.Int32(2), Marker: aws.String("dir/b.txt")})
		wantList(t, "page 2", objKeys(out.Contents), prefixes(out.CommonPrefixes), []string{"dir/c.txt", "dir/sub/d.txt"}, nil)
		if aws.ToString(out.Marker) != "dir/b.txt" {
			t.Errorf("Marker echo: got %q, want dir/b.txt", aws.ToString(out.Marker))
		}
		out = list(t, s3.ListObjectsInput{MaxKeys: aws.Int32(2), Marker: aws.String("dir/sub/d.txt")})
		wantList(t, "page 3", objKeys(out.Contents), prefixes(out.CommonPrefixes), []string{"e/f.txt", "z.txt"}, nil)
		if aws.ToBool(out.IsTruncated) {
			t.Errorf("page 3: got IsTruncated true, want false")
		}
	})

	t.Run("NextMarker with delimiter", func(t *testing.T) {
		var seen []string
		var marker *string
		for i := 0; i < 10; i++ {
			out := list(t, s3.ListObjectsInput{MaxKeys: aws.Int32(1), Delimiter: aws.String("/"), Marker: marker})
			page := append(objKeys(out.Contents), prefixes(out.CommonPrefixes)...)
			seen = append(seen, page...)
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			if len(page) != 1 || aws.ToString(out.NextMarker) != page[0] {
				t.Fatalf("page %d: got entries %q and NextMarker %q, want one entry equal to NextMarker", i, page, aws.ToString(out.NextMarker))
			}
			marker = out.NextMarker
		}
		if want := []string{"a.txt", "dir/", "e/", "z.txt"}; !equalStrings(seen, want) {
			t.Errorf("entries: got %q, want %q", seen, want)
		}
	})

	t.Run("encoding-type url", func(t *testing.T) {
		b := newBucket(t)
		putMany(t, b, oddKeys)
		out, err := cl.ListObjects(ctx(t), &s3.ListObjectsInput{Bucket: &b, EncodingType: types.EncodingTypeUrl})
		mustOK(t, "ListObjects encoding-type=url", err)
		var got []string
		for _, k := range objKeys(out.Contents) {
			got = append(got, checkURLEncoded(t, "key", k))
		}
		if !equalStrings(got, sortedCopy(oddKeys)) {
			t.Errorf("decoded keys: got %q, want %q", got, sortedCopy(oddKeys))
		}
		out, err = cl.ListObjects(ctx(t), &s3.ListObjectsInput{Bucket: &b, EncodingType: types.EncodingTypeUrl, Delimiter: aws.String("/"), MaxKeys: aws.Int32(4)})
		mustOK(t, "ListObjects encoding-type=url delimiter", err)
		var entries []string
		for _, k := range objKeys(out.Contents) {
			entries = append(entries, checkURLEncoded(t, "key", k))
		}
		for _, p := range prefixes(out.CommonPrefixes) {
			entries = append(entries, checkURLEncoded(t, "common prefix", p))
		}
		if want := []string{"amp&lt<gt>", "percent%41", "plus+sign", "tab\there"}; !equalStrings(entries, want) {
			t.Errorf("decoded first page: got %q, want %q", entries, want)
		}
		if aws.ToBool(out.IsTruncated) {
			if nm := checkURLEncoded(t, "NextMarker", aws.ToString(out.NextMarker)); nm != "tab\there" {
				t.Errorf("decoded NextMarker: got %q, want %q", nm, "tab\there")
			}
		} else {
			t.Errorf("first page of 4 of 6 entries: got IsTruncated false, want true")
		}
	})

	t.Run("paging 300 keys", func(t *testing.T) {
		b := newBucket(t)
		keys := pagingKeys(300)
		putMany(t, b, keys)
		var got []string
		var marker *string
		pages := 0
		for {
			out, err := cl.ListObjects(ctx(t), &s3.ListObjectsInput{Bucket: &b, MaxKeys: aws.Int32(100), Marker: marker})
			mustOK(t, "ListObjects page", err)
			pages++
			ks := objKeys(out.Contents)
			got = append(got, ks...)
			if !aws.ToBool(out.IsTruncated) || len(ks) == 0 || pages > 10 {
				break
			}
			marker = aws.String(ks[len(ks)-1])
		}
		if pages != 3 || !equalStrings(got, keys) {
			t.Errorf("SDK V1 paging: got %d pages and %d keys (in order: %v), want 3 pages and the 300 keys in order", pages, len(got), equalStrings(got, keys))
		}
		var mgot []string
		for o := range rootMinio(t).ListObjects(ctx(t), b, minio.ListObjectsOptions{Recursive: true, MaxKeys: 100, UseV1: true}) {
			if o.Err != nil {
				t.Fatalf("minio ListObjects V1: %v", o.Err)
			}
			mgot = append(mgot, o.Key)
		}
		if !equalStrings(mgot, keys) {
			t.Errorf("minio ListObjects V1: got %d keys (in order: %v), want the 300 keys in order", len(mgot), equalStrings(mgot, keys))
		}
	})

	t.Run("empty bucket", func(t *testing.T) {
		b := newBucket(t)
		out, err := cl.ListObjects(ctx(t), &s3.ListObjectsInput{Bucket: &b})
		mustOK(t, "ListObjects empty", err)
		if len(out.Contents) != 0 || len(out.CommonPrefixes) != 0 || aws.ToBool(out.IsTruncated) {
			t.Errorf("empty bucket: got %d contents, %d prefixes, truncated %v; want nothing", len(out.Contents), len(out.CommonPrefixes), aws.ToBool(out.IsTruncated))
		}
	})

	t.Run("no such bucket", func(t *testing.T) {
		_, err := cl.ListObjects(ctx(t), &s3.ListObjectsInput{Bucket: aws.String(bucketName(t))})
		wantErr(t, "ListObjects missing bucket", err, http.StatusNotFound, "NoSuchBucket")
	})
}
