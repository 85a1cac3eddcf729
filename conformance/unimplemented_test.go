package conformance

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestUnimplementedHeadersRefused: a write that asks for what dolium does
// not do yet (server-side encryption) answers 501 NotImplemented,
// AWS's code for "a header you provided implies functionality that is not
// implemented", and stores nothing; accepting it would keep plaintext the
// client asked to have encrypted. ACL headers are served (acl_test.go).
func TestUnimplementedHeadersRefused(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	body := func() *bytes.Reader { return bytes.NewReader([]byte("refused")) }
	for name, in := range map[string]*s3.PutObjectInput{
		"sse":     {ServerSideEncryption: types.ServerSideEncryptionAes256},
		"sse-kms": {ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("k")},
	} {
		key := "refused-" + name
		in.Bucket, in.Key, in.Body = &bucket, &key, body()
		_, err := cl.PutObject(ctx(t), in)
		wantErr(t, "PutObject with "+name, err, http.StatusNotImplemented, "NotImplemented")
		_, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		wantErr(t, "HEAD after a refused PutObject with "+name, err, http.StatusNotFound, "")
	}
	_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("private"), Body: body(), ACL: types.ObjectCannedACLPrivate})
	mustOK(t, "PutObject with the private ACL", err)
	_, err = cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("copy"), CopySource: aws.String(bucket + "/private"),
		ServerSideEncryption: types.ServerSideEncryptionAes256})
	wantErr(t, "CopyObject with sse", err, http.StatusNotImplemented, "NotImplemented")
	// Object lock on a bucket without it is refused as AWS refuses it.
	for name, in := range map[string]*s3.PutObjectInput{
		"lock":       {ObjectLockMode: types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: aws.Time(time.Now().Add(time.Hour))},
		"legal-hold": {ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn},
	} {
		key := "refused-" + name
		in.Bucket, in.Key, in.Body = &bucket, &key, body()
		_, err := cl.PutObject(ctx(t), in)
		wantErr(t, "PutObject with "+name+" on a bucket without object lock", err, http.StatusBadRequest, "InvalidRequest")
	}
	if got := listKeys(t, bucket); len(got) != 1 || got[0] != "private" {
		t.Errorf("bucket holds %q, want only the private object", got)
	}
}
