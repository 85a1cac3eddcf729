package conformance

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
)

func TestListBuckets(t *testing.T) {
	t.Parallel()
	b1, b2 := newBucket(t), newBucket(t)
	start := time.Now()

	t.Run("sdk", func(t *testing.T) {
		out, err := rootSDK().ListBuckets(ctx(t), &s3.ListBucketsInput{})
		mustOK(t, "ListBuckets", err)
		found := map[string]bool{}
		for _, b := range out.Buckets {
			name := aws.ToString(b.Name)
			if name == b1 || name == b2 {
				found[name] = true
				if b.CreationDate == nil {
					t.Errorf("bucket %s: got no CreationDate", name)
				} else if d := b.CreationDate.Sub(start); d < -15*time.Minute || d > 15*time.Minute {
					t.Errorf("bucket %s: got CreationDate %v, want within 15m of %v", name, *b.CreationDate, start)
				}
			}
		}
		if !found[b1] || !found[b2] {
			t.Errorf("ListBuckets: got %d buckets without both %s and %s", len(out.Buckets), b1, b2)
		}
		if out.Owner == nil || aws.ToString(out.Owner.ID) == "" {
			t.Errorf("ListBuckets: got no Owner ID, want one")
		}
	})

	t.Run("minio", func(t *testing.T) {
		bs, err := rootMinio(t).ListBuckets(ctx(t))
		mustOK(t, "minio ListBuckets", err)
		n := 0
		for _, b := range bs {
			if b.Name == b1 || b.Name == b2 {
				n++
			}
		}
		if n != 2 {
			t.Errorf("minio ListBuckets: got %d of the 2 new buckets among %d", n, len(bs))
		}
	})

	t.Run("other tenant does not see them", func(t *testing.T) {
		alt := needAlt(t)
		out, err := sdkClient(alt).ListBuckets(ctx(t), &s3.ListBucketsInput{})
		mustOK(t, "alt ListBuckets", err)
		for _, b := range out.Buckets {
			if n := aws.ToString(b.Name); n == b1 || n == b2 {
				t.Errorf("alt ListBuckets: got root's bucket %s, want only alt's own", n)
			}
		}
	})
}

func TestCreateBucket(t *testing.T) {
	t.Parallel()

	t.Run("plain", func(t *testing.T) {
		name := bucketName(t)
		_, err := rootSDK().CreateBucket(ctx(t), createBucketInput(name))
		mustOK(t, "CreateBucket", err)
		cleanupBucket(t, name)
		_, err = rootSDK().HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: aws.String(name)})
		if err != nil {
			t.Errorf("HeadBucket after CreateBucket: got %v, want success", err)
		}
	})

	t.Run("minio MakeBucket", func(t *testing.T) {
		name := bucketName(t)
		mc := rootMinio(t)
		err := mc.MakeBucket(ctx(t), name, minio.MakeBucketOptions{Region: tgt.Region})
		mustOK(t, "MakeBucket", err)
		cleanupBucket(t, name)
		ok, err := mc.BucketExists(ctx(t), name)
		if err != nil || !ok {
			t.Errorf("BucketExists after MakeBucket: got %v, %v, want true, nil", ok, err)
		}
	})

	if tgt.Region != "us-east-1" {
		// In us-east-1 the correct request has no body (AWS rejects an
		// explicit "us-east-1" constraint); "plain" covers that case.
		t.Run("with location constraint", func(t *testing.T) {
			name := bucketName(t)
			_, err := rootSDK().CreateBucket(ctx(t), createBucketInput(name))
			mustOK(t, "CreateBucket with LocationConstraint "+tgt.Region, err)
			cleanupBucket(t, name)
			out, err := rootSDK().GetBucketLocation(ctx(t), &s3.GetBucketLocationInput{Bucket: aws.String(name)})
			mustOK(t, "GetBucketLocation", err)
			if got := string(out.LocationConstraint); got != tgt.Region {
				t.Errorf("GetBucketLocation: got %q, want %q", got, tgt.Region)
			}
		})
	}

	t.Run("already owned by you", func(t *testing.T) {
		name := newBucket(t)
		_, err := rootSDK().CreateBucket(ctx(t), createBucketInput(name))
		// AWS in us-east-1 answers 200 here; elsewhere (and dolium) 409.
		if err != nil {
			wantErr(t, "CreateBucket again by owner", err, http.StatusConflict, "BucketAlreadyOwnedByYou")
		}
	})

	t.Run("already exists for other tenant", func(t *testing.T) {
		alt := needAlt(t)
		name := newBucket(t)
		_, err := sdkClient(alt).CreateBucket(ctx(t), createBucketInput(name))
		wantErr(t, "CreateBucket of root's bucket by alt", err, http.StatusConflict, "BucketAlreadyExists")
	})

	t.Run("invalid names", func(t *testing.T) {
		for _, name := range []string{"AB", "a", "ab", "-abc", "abc-", "abc..def", "192.168.1.1", "abc_def", "ab!c", strings.Repeat("a", 64)} {
			r := doRaw(t, &tgt.Root, http.MethodPut, rawURL(name, "", ""), nil, nil)
			if r.Status == http.StatusOK {
				emptyAndDelete(ctx(t), rootSDK(), name)
			}
			wantRawErr(t, "CreateBucket "+name, r, http.StatusBadRequest, "InvalidBucketName")
		}
	})
}

func TestHeadBucket(t *testing.T) {
	t.Parallel()
	name := newBucket(t)

	t.Run("exists", func(t *testing.T) {
		_, err := rootSDK().HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: aws.String(name)})
		if err != nil {
			t.Errorf("HeadBucket existing: got %v, want 200", err)
		}
		ok, err := rootMinio(t).BucketExists(ctx(t), name)
		if err != nil || !ok {
			t.Errorf("minio BucketExists: got %v, %v, want true, nil", ok, err)
		}
	})

	t.Run("missing", func(t *testing.T) {
		missing := bucketName(t)
		_, err := rootSDK().HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: aws.String(missing)})
		wantErr(t, "HeadBucket missing", err, http.StatusNotFound, "")
		ok, err := rootMinio(t).BucketExists(ctx(t), missing)
		if err != nil || ok {
			t.Errorf("minio BucketExists missing: got %v, %v, want false, nil", ok, err)
		}
	})

	t.Run("other tenant", func(t *testing.T) {
		alt := needAlt(t)
		_, err := sdkClient(alt).HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: aws.String(name)})
		wantErr(t, "HeadBucket by other tenant", err, http.StatusForbidden, "")
	})
}

func TestDeleteBucket(t *testing.T) {
	t.Parallel()

	t.Run("empty", func(t *testing.T) {
		name := newBucket(t)
		_, err := rootSDK().DeleteBucket(ctx(t), &s3.DeleteBucketInput{Bucket: aws.String(name)})
		mustOK(t, "DeleteBucket", err)
		_, err = rootSDK().HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: aws.String(name)})
		wantErr(t, "HeadBucket after DeleteBucket", err, http.StatusNotFound, "")
	})

	t.Run("minio RemoveBucket", func(t *testing.T) {
		name := newBucket(t)
		mustOK(t, "RemoveBucket", rootMinio(t).RemoveBucket(ctx(t), name))
		ok, err := rootMinio(t).BucketExists(ctx(t), name)
		if err != nil || ok {
			t.Errorf("BucketExists after RemoveBucket: got %v, %v, want false, nil", ok, err)
		}
	})

	t.Run("not empty", func(t *testing.T) {
		name := newBucket(t)
		putBytes(t, name, "k", []byte("v"))
		_, err := rootSDK().DeleteBucket(ctx(t), &s3.DeleteBucketInput{Bucket: aws.String(name)})
		wantErr(t, "DeleteBucket non-empty", err, http.StatusConflict, "BucketNotEmpty")
		if got := listKeys(t, name); !equalStrings(got, []string{"k"}) {
			t.Errorf("keys after failed DeleteBucket: got %q, want [k]", got)
		}
	})

	t.Run("missing", func(t *testing.T) {
		_, err := rootSDK().DeleteBucket(ctx(t), &s3.DeleteBucketInput{Bucket: aws.String(bucketName(t))})
		wantErr(t, "DeleteBucket missing", err, http.StatusNotFound, "NoSuchBucket")
	})

	t.Run("other tenant", func(t *testing.T) {
		alt := needAlt(t)
		name := newBucket(t)
		_, err := sdkClient(alt).DeleteBucket(ctx(t), &s3.DeleteBucketInput{Bucket: aws.String(name)})
		wantErr(t, "DeleteBucket by other tenant", err, http.StatusForbidden, "AccessDenied")
		if _, err := rootSDK().HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: aws.String(name)}); err != nil {
			t.Errorf("HeadBucket after other tenant's DeleteBucket: got %v, want 200", err)
		}
	})
}

func TestGetBucketLocation(t *testing.T) {
	t.Parallel()
	name := newBucket(t)

	t.Run("sdk", func(t *testing.T) {
		out, err := rootSDK().GetBucketLocation(ctx(t), &s3.GetBucketLocationInput{Bucket: aws.String(name)})
		mustOK(t, "GetBucketLocation", err)
		want := tgt.Region
		if want == "us-east-1" {
			want = "" // S3 reports us-east-1 as an empty LocationConstraint
		}
		if got := string(out.LocationConstraint); got != want {
			t.Errorf("GetBucketLocation: got %q, want %q", got, want)
		}
	})

	t.Run("minio", func(t *testing.T) {
		// Without a configured region minio-go asks the server (?location).
		loc, err := minioClientRegion(t, tgt.Root, "").GetBucketLocation(ctx(t), name)
		mustOK(t, "minio GetBucketLocation", err)
		if loc != tgt.Region {
			t.Errorf("minio GetBucketLocation: got %q, want %q", loc, tgt.Region)
		}
	})

	t.Run("missing", func(t *testing.T) {
		_, err := rootSDK().GetBucketLocation(ctx(t), &s3.GetBucketLocationInput{Bucket: aws.String(bucketName(t))})
		wantErr(t, "GetBucketLocation missing", err, http.StatusNotFound, "NoSuchBucket")
	})
}
