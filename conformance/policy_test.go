package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/dolium/dolium/test/harness"
)

// TestBucketPolicy follows the S3 User Guide's bucket policy examples
// through aws-sdk-go-v2 and raw requests: a public-read policy serves
// anonymous GETs (and nothing else); a policy naming another tenant lets
// its key write under a prefix and nowhere else; an explicit deny stops
// the bucket's owner too, except for the policy operations themselves
// (the owner's way back, as AWS keeps the account root's); invalid
// documents answer MalformedPolicy and change nothing.
func TestBucketPolicy(t *testing.T) {
	t.Parallel()
	alt := needAlt(t)
	cl, altCl := rootSDK(), sdkClient(alt)
	bucket := newBucket(t)
	putBytes(t, bucket, "pub/a.txt", []byte("public"))
	putBytes(t, bucket, "priv/b.txt", []byte("private"))

	anonGet := func(key string) int {
		resp, err := http.Get(rawURL(bucket, key, "").String())
		mustOK(t, "anonymous GET", err)
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := anonGet("pub/a.txt"); st != http.StatusForbidden {
		t.Fatalf("anonymous GET without a policy: %d, want 403", st)
	}
	_, err := cl.GetBucketPolicy(ctx(t), &s3.GetBucketPolicyInput{Bucket: &bucket})
	wantErr(t, "GetBucketPolicy without one", err, http.StatusNotFound, "NoSuchBucketPolicy")

	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
		{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%[1]s/pub/*"},
		{"Sid":"AltWrites","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::alt:root"},"Action":["s3:PutObject","s3:GetObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::%[1]s/shared/*"},
		{"Sid":"AltLists","Effect":"Allow","Principal":{"AWS":"alt"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::%[1]s",
		 "Condition":{"StringLike":{"s3:prefix":"shared/*"}}}]}`, bucket)
	_, err = cl.PutBucketPolicy(ctx(t), &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &doc})
	mustOK(t, "PutBucketPolicy", err)
	got, err := cl.GetBucketPolicy(ctx(t), &s3.GetBucketPolicyInput{Bucket: &bucket})
	mustOK(t, "GetBucketPolicy", err)
	if aws.ToString(got.Policy) != doc {
		t.Errorf("GetBucketPolicy: the document differs from the one put")
	}
	st, err := cl.GetBucketPolicyStatus(ctx(t), &s3.GetBucketPolicyStatusInput{Bucket: &bucket})
	mustOK(t, "GetBucketPolicyStatus", err)
	if !aws.ToBool(st.PolicyStatus.IsPublic) {
		t.Error("GetBucketPolicyStatus of a public-read policy: not public")
	}

	if st := anonGet("pub/a.txt"); st != http.StatusOK {
		t.Errorf("anonymous GET under pub/ with a public-read policy: %d, want 200", st)
	}
	if st := anonGet("priv/b.txt"); st != http.StatusForbidden {
		t.Errorf("anonymous GET outside pub/: %d, want 403", st)
	}
	r := doRaw(t, nil, http.MethodPut, rawURL(bucket, "pub/new", ""), nil, []byte("x"))
	wantRawErr(t, "anonymous PUT under pub/", r, http.StatusForbidden, "AccessDenied")
	r = doRaw(t, nil, http.MethodGet, rawURL(bucket, "", "list-type=2"), nil, nil)
	wantRawErr(t, "anonymous listing", r, http.StatusForbidden, "AccessDenied")

	_, err = altCl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("shared/from-alt"), Body: strings.NewReader("alt")})
	mustOK(t, "alt's PutObject under shared/", err)
	_, err = altCl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("priv/from-alt"), Body: strings.NewReader("alt")})
	wantErr(t, "alt's PutObject outside shared/", err, http.StatusForbidden, "AccessDenied")
	_, err = altCl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("priv/b.txt")})
	wantErr(t, "alt's DeleteObject outside shared/", err, http.StatusForbidden, "AccessDenied")
	// DeleteObjects is decided key by key, as AWS does.
	dos, err := altCl.DeleteObjects(ctx(t), &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("shared/from-alt")}, {Key: aws.String("priv/b.txt")}}}})
	mustOK(t, "alt's DeleteObjects", err)
	if len(dos.Deleted) != 1 || aws.ToString(dos.Deleted[0].Key) != "shared/from-alt" || len(dos.Errors) != 1 ||
		aws.ToString(dos.Errors[0].Key) != "priv/b.txt" || aws.ToString(dos.Errors[0].Code) != "AccessDenied" {
		t.Errorf("alt's DeleteObjects of an allowed and a denied key: deleted %+v, errors %+v", dos.Deleted, dos.Errors)
	}
	checkObject(t, bucket, "priv/b.txt", sha256Hex([]byte("private")), 7)
	// s3:GetObject does not give s3:GetObjectVersion.
	if r := doRaw(t, nil, http.MethodGet, rawURL(bucket, "pub/a.txt", "versionId=null"), nil, nil); r.Status != http.StatusForbidden {
		t.Errorf("anonymous GET ?versionId=null with only s3:GetObject allowed: %d, want 403", r.Status)
	}
	_, err = altCl.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: aws.String("shared/")})
	mustOK(t, "alt's listing of shared/", err)
	_, err = altCl.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: &bucket})
	wantErr(t, "alt's listing without the prefix", err, http.StatusForbidden, "AccessDenied")
	_, err = altCl.GetBucketPolicy(ctx(t), &s3.GetBucketPolicyInput{Bucket: &bucket})
	wantErr(t, "alt's GetBucketPolicy", err, http.StatusForbidden, "AccessDenied")

	// An explicit deny of everything to everyone: the owner is refused
	// too, but can still read, replace and delete the policy.
	deny := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",
		"Resource":["arn:aws:s3:::%[1]s","arn:aws:s3:::%[1]s/*"]}]}`, bucket)
	_, err = cl.PutBucketPolicy(ctx(t), &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &deny})
	mustOK(t, "PutBucketPolicy deny-all", err)
	_, err = cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("pub/a.txt")})
	wantErr(t, "owner's GetObject under a deny-all policy", err, http.StatusForbidden, "AccessDenied")
	if st := anonGet("pub/a.txt"); st != http.StatusForbidden {
		t.Errorf("anonymous GET under a deny-all policy: %d, want 403", st)
	}
	_, err = cl.GetBucketPolicy(ctx(t), &s3.GetBucketPolicyInput{Bucket: &bucket})
	mustOK(t, "owner's GetBucketPolicy under a deny-all policy", err)
	_, err = cl.DeleteBucketPolicy(ctx(t), &s3.DeleteBucketPolicyInput{Bucket: &bucket})
	mustOK(t, "owner's DeleteBucketPolicy under a deny-all policy", err)
	_, err = cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("pub/a.txt")})
	mustOK(t, "owner's GetObject after the policy is deleted", err)

	// Invalid documents.
	for name, bad := range map[string]string{
		"not JSON":         `{"Statement":`,
		"another bucket":   `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::elsewhere/*"}]}`,
		"bad action":       fmt.Sprintf(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"iam:CreateUser","Resource":"arn:aws:s3:::%s/*"}]}`, bucket),
		"no principal":     fmt.Sprintf(`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}`, bucket),
		"object on bucket": fmt.Sprintf(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s"}]}`, bucket),
	} {
		_, err := cl.PutBucketPolicy(ctx(t), &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: aws.String(bad)})
		wantErr(t, "PutBucketPolicy, "+name, err, http.StatusBadRequest, "MalformedPolicy")
	}
	_, err = cl.GetBucketPolicy(ctx(t), &s3.GetBucketPolicyInput{Bucket: &bucket})
	wantErr(t, "GetBucketPolicy after refused documents", err, http.StatusNotFound, "NoSuchBucketPolicy")
}

// TestBucketPolicyAWSCLI: aws s3api put-bucket-policy / get-bucket-policy /
// delete-bucket-policy with a policy file.
func TestBucketPolicyAWSCLI(t *testing.T) {
	t.Parallel()
	cli := harness.NewAWSCLI(t, tgt.Endpoint, tgt.Region, tgt.Root)
	bucket := newBucket(t)
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"Pub","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}`, bucket)
	file := filepath.Join(t.TempDir(), "policy.json")
	mustOK(t, "write policy.json", os.WriteFile(file, []byte(doc), 0o600))
	cli.Run(t, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", "file://"+file)
	var out struct{ Policy string }
	mustOK(t, "parse get-bucket-policy", json.Unmarshal([]byte(cli.Run(t, "s3api", "get-bucket-policy", "--bucket", bucket)), &out))
	if out.Policy != doc {
		t.Errorf("get-bucket-policy: %q, want the document put", out.Policy)
	}
	cli.Run(t, "s3api", "delete-bucket-policy", "--bucket", bucket)
	_, err := rootSDK().GetBucketPolicy(ctx(t), &s3.GetBucketPolicyInput{Bucket: &bucket})
	wantErr(t, "GetBucketPolicy after delete-bucket-policy", err, http.StatusNotFound, "NoSuchBucketPolicy")
}

// TestBucketPolicyExistingObjectTag: a policy that serves anonymous reads
// only of objects tagged public=yes (s3:ExistingObjectTag/public), as in
// the S3 User Guide's tag-based examples.
func TestBucketPolicyExistingObjectTag(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	putBytes(t, bucket, "tagged", []byte("t"))
	putBytes(t, bucket, "untagged", []byte("u"))
	_, err := cl.PutObjectTagging(ctx(t), &s3.PutObjectTaggingInput{Bucket: &bucket, Key: aws.String("tagged"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("public"), Value: aws.String("yes")}}}})
	mustOK(t, "PutObjectTagging", err)
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
		"Resource":"arn:aws:s3:::%s/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/public":"yes"}}}]}`, bucket)
	_, err = cl.PutBucketPolicy(ctx(t), &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &doc})
	mustOK(t, "PutBucketPolicy", err)
	for key, want := range map[string]int{"tagged": http.StatusOK, "untagged": http.StatusForbidden, "missing": http.StatusForbidden} {
		if r := doRaw(t, nil, http.MethodGet, rawURL(bucket, key, ""), nil, nil); r.Status != want {
			t.Errorf("anonymous GET %s: %d, want %d", key, r.Status, want)
		}
	}
}
