package conformance

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/dolium/dolium/test/harness"
)

// newLockedBucket creates a bucket with object lock enabled at creation.
func newLockedBucket(t *testing.T) string {
	t.Helper()
	name := bucketName(t)
	in := createBucketInput(name)
	in.ObjectLockEnabledForBucket = aws.Bool(true)
	_, err := rootSDK().CreateBucket(ctx(t), in)
	mustOK(t, "CreateBucket with object lock", err)
	cleanupBucket(t, name)
	return name
}

// TestObjectLock follows the S3 API reference's object lock pages:
// a bucket created with x-amz-bucket-object-lock-enabled is versioned
// for good; default retention applies to new versions; a version under
// COMPLIANCE retention or legal hold cannot be deleted by anyone (the root
// key included) nor its retention shortened; GOVERNANCE yields only to
// x-amz-bypass-governance-retention; a delete without a version id still
// makes a delete marker. aws-sdk-go-v2 drives it.
func TestObjectLock(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newLockedBucket(t)

	st, err := cl.GetBucketVersioning(ctx(t), &s3.GetBucketVersioningInput{Bucket: &bucket})
	mustOK(t, "GetBucketVersioning", err)
	if st.Status != types.BucketVersioningStatusEnabled {
		t.Errorf("versioning of a locked bucket: %q, want Enabled", st.Status)
	}
	_, err = cl.PutBucketVersioning(ctx(t), &s3.PutBucketVersioningInput{Bucket: &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	wantErr(t, "suspending versioning of a locked bucket", err, http.StatusConflict, "InvalidBucketState")

	lc, err := cl.GetObjectLockConfiguration(ctx(t), &s3.GetObjectLockConfigurationInput{Bucket: &bucket})
	mustOK(t, "GetObjectLockConfiguration", err)
	if lc.ObjectLockConfiguration.ObjectLockEnabled != types.ObjectLockEnabledEnabled || lc.ObjectLockConfiguration.Rule != nil {
		t.Errorf("GetObjectLockConfiguration of a new locked bucket: %+v", lc.ObjectLockConfiguration)
	}

	// Default retention: GOVERNANCE, 1 day.
	_, err = cl.PutObjectLockConfiguration(ctx(t), &s3.PutObjectLockConfigurationInput{Bucket: &bucket,
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}})
	mustOK(t, "PutObjectLockConfiguration", err)
	lc, err = cl.GetObjectLockConfiguration(ctx(t), &s3.GetObjectLockConfigurationInput{Bucket: &bucket})
	mustOK(t, "GetObjectLockConfiguration", err)
	if r := lc.ObjectLockConfiguration.Rule; r == nil || r.DefaultRetention.Mode != types.ObjectLockRetentionModeGovernance || aws.ToInt32(r.DefaultRetention.Days) != 1 {
		t.Errorf("default retention read back: %+v", r)
	}
	put, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("gov"), Body: bytes.NewReader([]byte("g"))})
	mustOK(t, "PutObject under default retention", err)
	gv := aws.ToString(put.VersionId)
	h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("gov")})
	mustOK(t, "HeadObject", err)
	if h.ObjectLockMode != types.ObjectLockModeGovernance || h.ObjectLockRetainUntilDate == nil ||
		h.ObjectLockRetainUntilDate.Before(time.Now().Add(23*time.Hour)) {
		t.Errorf("HEAD of a version under default retention: mode %q until %v", h.ObjectLockMode, h.ObjectLockRetainUntilDate)
	}
	_, err = cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("gov"), VersionId: &gv})
	wantErr(t, "delete of a GOVERNANCE version without bypass", err, http.StatusForbidden, "AccessDenied")
	// Shortening GOVERNANCE needs the bypass too.
	_, err = cl.PutObjectRetention(ctx(t), &s3.PutObjectRetentionInput{Bucket: &bucket, Key: aws.String("gov"), VersionId: &gv,
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(time.Now().Add(time.Hour))}})
	wantErr(t, "shortening GOVERNANCE without bypass", err, http.StatusForbidden, "AccessDenied")
	// A delete without a version id is allowed: it makes a marker.
	del, err := cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("gov")})
	mustOK(t, "DeleteObject without a version id", err)
	if !aws.ToBool(del.DeleteMarker) {
		t.Errorf("DeleteObject without version on a locked bucket: no delete marker")
	}
	if got := getVersion(t, bucket, "gov", gv); string(got) != "g" {
		t.Errorf("the locked version after a marker: %q", got)
	}
	_, err = cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("gov"), VersionId: &gv, BypassGovernanceRetention: aws.Bool(true)})
	mustOK(t, "delete of a GOVERNANCE version with bypass", err)

	// COMPLIANCE: nobody removes it, the retention cannot be shortened,
	// only extended.
	until := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	put, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("comp"), Body: bytes.NewReader([]byte("c")),
		ObjectLockMode: types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: &until})
	mustOK(t, "PutObject with COMPLIANCE", err)
	cv := aws.ToString(put.VersionId)
	// Lock headers on a body nothing verifies (unsigned payload, no
	// Content-MD5, no checksum): refused as AWS refuses them; with
	// Content-MD5 the same request is stored.
	lockPut := func(hdr http.Header) harness.Response {
		body := []byte("unsigned")
		req, err := http.NewRequestWithContext(ctx(t), http.MethodPut, rawURL(bucket, "unsigned", "").String(), bytes.NewReader(body))
		mustOK(t, "new request", err)
		req.Header = hdr
		req.Header.Set("X-Amz-Object-Lock-Mode", "GOVERNANCE")
		req.Header.Set("X-Amz-Object-Lock-Retain-Until-Date", until.Format(time.RFC3339))
		signRequest(t, req, tgt.Root, body, "UNSIGNED-PAYLOAD")
		return harness.Do(t, nil, req)
	}
	wantRawErr(t, "lock headers on an unverified body", lockPut(http.Header{}), http.StatusBadRequest, "InvalidRequest")
	if r := lockPut(http.Header{"Content-Md5": {md5B64([]byte("unsigned"))}}); r.Status != http.StatusOK {
		t.Errorf("lock headers with Content-MD5 on an unsigned body: status %d, want 200: %s", r.Status, r.Body)
	}
	ret, err := cl.GetObjectRetention(ctx(t), &s3.GetObjectRetentionInput{Bucket: &bucket, Key: aws.String("comp"), VersionId: &cv})
	mustOK(t, "GetObjectRetention", err)
	if ret.Retention.Mode != types.ObjectLockRetentionModeCompliance || !ret.Retention.RetainUntilDate.Equal(until) {
		t.Errorf("GetObjectRetention: %+v, want COMPLIANCE until %v", ret.Retention, until)
	}
	for _, bypass := range []bool{false, true} {
		_, err = cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("comp"), VersionId: &cv, BypassGovernanceRetention: aws.Bool(bypass)})
		wantErr(t, "delete of a COMPLIANCE version", err, http.StatusForbidden, "AccessDenied")
		_, err = cl.PutObjectRetention(ctx(t), &s3.PutObjectRetentionInput{Bucket: &bucket, Key: aws.String("comp"), VersionId: &cv,
			BypassGovernanceRetention: aws.Bool(bypass),
			Retention:                 &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(until.Add(time.Hour))}})
		wantErr(t, "changing COMPLIANCE to GOVERNANCE", err, http.StatusForbidden, "AccessDenied")
	}
	longer := until.Add(24 * time.Hour)
	_, err = cl.PutObjectRetention(ctx(t), &s3.PutObjectRetentionInput{Bucket: &bucket, Key: aws.String("comp"), VersionId: &cv,
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeCompliance, RetainUntilDate: &longer}})
	mustOK(t, "extending COMPLIANCE", err)
	_, err = cl.PutObjectRetention(ctx(t), &s3.PutObjectRetentionInput{Bucket: &bucket, Key: aws.String("comp"), VersionId: &cv,
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeCompliance, RetainUntilDate: aws.Time(time.Now().Add(-time.Hour))}})
	wantErr(t, "retention in the past", err, http.StatusBadRequest, "InvalidArgument")

	// Legal hold: blocks deletion whatever the dates, until lifted.
	put, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("held"), Body: bytes.NewReader([]byte("h"))})
	mustOK(t, "PutObject", err)
	hv := aws.ToString(put.VersionId)
	// A version never given a legal hold has none to show (AWS answers
	// NoSuchObjectLockConfiguration; HEAD carries no legal hold header).
	_, err = cl.GetObjectLegalHold(ctx(t), &s3.GetObjectLegalHoldInput{Bucket: &bucket, Key: aws.String("held"), VersionId: &hv})
	wantErr(t, "GetObjectLegalHold of a version never held", err, http.StatusNotFound, "NoSuchObjectLockConfiguration")
	_, err = cl.PutObjectRetention(ctx(t), &s3.PutObjectRetentionInput{Bucket: &bucket, Key: aws.String("held"), VersionId: &hv,
		BypassGovernanceRetention: aws.Bool(true), Retention: &types.ObjectLockRetention{}})
	mustOK(t, "removing GOVERNANCE retention with bypass", err)
	_, err = cl.PutObjectLegalHold(ctx(t), &s3.PutObjectLegalHoldInput{Bucket: &bucket, Key: aws.String("held"), VersionId: &hv,
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}})
	mustOK(t, "PutObjectLegalHold ON", err)
	lh, err := cl.GetObjectLegalHold(ctx(t), &s3.GetObjectLegalHoldInput{Bucket: &bucket, Key: aws.String("held"), VersionId: &hv})
	mustOK(t, "GetObjectLegalHold", err)
	if lh.LegalHold.Status != types.ObjectLockLegalHoldStatusOn {
		t.Errorf("legal hold read back: %q", lh.LegalHold.Status)
	}
	_, err = cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("held"), VersionId: &hv, BypassGovernanceRetention: aws.Bool(true)})
	wantErr(t, "delete of a held version", err, http.StatusForbidden, "AccessDenied")
	dos, err := cl.DeleteObjects(ctx(t), &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("held"), VersionId: &hv}}}})
	mustOK(t, "DeleteObjects", err)
	if len(dos.Errors) != 1 || aws.ToString(dos.Errors[0].Code) != "AccessDenied" {
		t.Errorf("DeleteObjects of a held version: errors %+v, want AccessDenied", dos.Errors)
	}
	_, err = cl.PutObjectLegalHold(ctx(t), &s3.PutObjectLegalHoldInput{Bucket: &bucket, Key: aws.String("held"), VersionId: &hv,
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}})
	mustOK(t, "PutObjectLegalHold OFF", err)
	lh, err = cl.GetObjectLegalHold(ctx(t), &s3.GetObjectLegalHoldInput{Bucket: &bucket, Key: aws.String("held"), VersionId: &hv})
	mustOK(t, "GetObjectLegalHold after OFF", err)
	hd, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("held"), VersionId: &hv})
	mustOK(t, "HeadObject after OFF", err)
	if lh.LegalHold.Status != types.ObjectLockLegalHoldStatusOff || hd.ObjectLockLegalHoldStatus != types.ObjectLockLegalHoldStatusOff {
		t.Errorf("legal hold lifted: GetObjectLegalHold %q, HEAD %q; want OFF", lh.LegalHold.Status, hd.ObjectLockLegalHoldStatus)
	}
	_, err = cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("held"), VersionId: &hv})
	mustOK(t, "delete after the hold is lifted", err)

	// Multipart with lock headers.
	mp, err := cl.CreateMultipartUpload(ctx(t), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("mp"),
		ObjectLockMode: types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: &until})
	mustOK(t, "CreateMultipartUpload with lock", err)
	part, err := cl.UploadPart(ctx(t), &s3.UploadPartInput{Bucket: &bucket, Key: aws.String("mp"), UploadId: mp.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("part"))})
	mustOK(t, "UploadPart", err)
	done, err := cl.CompleteMultipartUpload(ctx(t), &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
	mustOK(t, "CompleteMultipartUpload", err)
	_, err = cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("mp"), VersionId: done.VersionId})
	wantErr(t, "delete of a locked multipart object", err, http.StatusForbidden, "AccessDenied")
	// The bucket keeps its COMPLIANCE versions until their retention
	// ends, as on AWS: its clean-up cannot delete it.
}

// TestObjectLockErrors: what the object lock calls refuse, as AWS does.
func TestObjectLockErrors(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	plain := newBucket(t)
	_, err := cl.GetObjectLockConfiguration(ctx(t), &s3.GetObjectLockConfigurationInput{Bucket: &plain})
	wantErr(t, "GetObjectLockConfiguration without lock", err, http.StatusNotFound, "ObjectLockConfigurationNotFoundError")
	_, err = cl.PutObjectLockConfiguration(ctx(t), &s3.PutObjectLockConfigurationInput{Bucket: &plain,
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}})
	wantErr(t, "PutObjectLockConfiguration on an unversioned bucket", err, http.StatusConflict, "InvalidBucketState")
	putBytes(t, plain, "k", []byte("x"))
	_, err = cl.PutObjectRetention(ctx(t), &s3.PutObjectRetentionInput{Bucket: &plain, Key: aws.String("k"),
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(time.Now().Add(time.Hour))}})
	wantErr(t, "PutObjectRetention on a bucket without lock", err, http.StatusBadRequest, "InvalidRequest")

	locked := newLockedBucket(t)
	for _, body := range []string{
		`<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years></DefaultRetention></Rule></ObjectLockConfiguration>`,
		`<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>FOREVER</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`,
	} {
		r := doRaw(t, &tgt.Root, http.MethodPut, rawURL(locked, "", "object-lock="), http.Header{"Content-Md5": {md5B64([]byte(body))}}, []byte(body))
		wantRawErr(t, "PutObjectLockConfiguration "+body, r, http.StatusBadRequest, "MalformedXML")
	}
	body := `<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>0</Days></DefaultRetention></Rule></ObjectLockConfiguration>`
	r := doRaw(t, &tgt.Root, http.MethodPut, rawURL(locked, "", "object-lock="), http.Header{"Content-Md5": {md5B64([]byte(body))}}, []byte(body))
	wantRawErr(t, "PutObjectLockConfiguration with 0 days", r, http.StatusBadRequest, "InvalidRetentionPeriod")
	putBytes(t, locked, "k", []byte("x"))
	_, err = cl.GetObjectRetention(ctx(t), &s3.GetObjectRetentionInput{Bucket: &locked, Key: aws.String("k")})
	wantErr(t, "GetObjectRetention of a version without retention", err, http.StatusNotFound, "NoSuchObjectLockConfiguration")
	_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &locked, Key: aws.String("half"), Body: bytes.NewReader(nil),
		ObjectLockMode: types.ObjectLockModeGovernance})
	wantErr(t, "PutObject with a lock mode and no date", err, http.StatusBadRequest, "InvalidArgument")
}

// TestObjectLockAWSCLI: put-object-lock-configuration and
// put-object-retention through the aws CLI.
func TestObjectLockAWSCLI(t *testing.T) {
	t.Parallel()
	cli := harness.NewAWSCLI(t, tgt.Endpoint, tgt.Region, tgt.Root)
	bucket := newLockedBucket(t)
	cli.Run(t, "s3api", "put-object-lock-configuration", "--bucket", bucket, "--object-lock-configuration",
		`{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Mode":"GOVERNANCE","Days":2}}}`)
	if out := cli.Run(t, "s3api", "get-object-lock-configuration", "--bucket", bucket); !bytes.Contains([]byte(out), []byte(`"Days": 2`)) {
		t.Errorf("get-object-lock-configuration: %s", out)
	}
	v := putVersion(t, bucket, "f", []byte("x"))
	until := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
	cli.Run(t, "s3api", "put-object-retention", "--bucket", bucket, "--key", "f", "--version-id", v,
		"--retention", `{"Mode":"GOVERNANCE","RetainUntilDate":"`+until+`"}`)
	ret, err := rootSDK().GetObjectRetention(ctx(t), &s3.GetObjectRetentionInput{Bucket: &bucket, Key: aws.String("f"), VersionId: &v})
	mustOK(t, "GetObjectRetention", err)
	if ret.Retention.RetainUntilDate == nil || ret.Retention.RetainUntilDate.Before(time.Now().Add(71*time.Hour)) {
		t.Errorf("retention after put-object-retention: %+v", ret.Retention)
	}
}

// TestObjectLockModeChange: a GOVERNANCE retention changes mode (to
// COMPLIANCE) only with x-amz-bypass-governance-retention, a COMPLIANCE
// one never, as the ceph s3-tests expect of AWS
// (test_object_lock_changing_mode_*); a default retention of 0 days is
// InvalidRetentionPeriod.
func TestObjectLockModeChange(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newLockedBucket(t)
	put, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("m"), Body: bytes.NewReader([]byte("m"))})
	mustOK(t, "PutObject", err)
	v := put.VersionId
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	retain := func(mode types.ObjectLockRetentionMode, bypass bool) error {
		_, err := cl.PutObjectRetention(ctx(t), &s3.PutObjectRetentionInput{Bucket: &bucket, Key: aws.String("m"), VersionId: v,
			BypassGovernanceRetention: aws.Bool(bypass), Retention: &types.ObjectLockRetention{Mode: mode, RetainUntilDate: &until}})
		return err
	}
	mustOK(t, "GOVERNANCE retention", retain(types.ObjectLockRetentionModeGovernance, false))
	wantErr(t, "GOVERNANCE to COMPLIANCE without bypass", retain(types.ObjectLockRetentionModeCompliance, false), http.StatusForbidden, "AccessDenied")
	mustOK(t, "GOVERNANCE to COMPLIANCE with bypass", retain(types.ObjectLockRetentionModeCompliance, true))
	wantErr(t, "COMPLIANCE to GOVERNANCE with bypass", retain(types.ObjectLockRetentionModeGovernance, true), http.StatusForbidden, "AccessDenied")
	ret, err := cl.GetObjectRetention(ctx(t), &s3.GetObjectRetentionInput{Bucket: &bucket, Key: aws.String("m"), VersionId: v})
	mustOK(t, "GetObjectRetention", err)
	if ret.Retention.Mode != types.ObjectLockRetentionModeCompliance {
		t.Errorf("retention after the refused change: %q, want COMPLIANCE", ret.Retention.Mode)
	}
	_, err = cl.PutObjectLockConfiguration(ctx(t), &s3.PutObjectLockConfigurationInput{Bucket: &bucket,
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Years: aws.Int32(0)}}}})
	wantErr(t, "default retention of 0 years", err, http.StatusBadRequest, "InvalidRetentionPeriod")
}

// TestObjectLockNeedsIntegrity: a PUT that makes a locked version (lock
// headers, or the bucket's default retention) with an unsigned payload
// needs Content-MD5 or an x-amz-checksum-* value, as on AWS ("Content-MD5
// OR x-amz-checksum- HTTP header is required"); other PUTs to a locked
// bucket do not. dolium also takes a signed payload (its sha256 is
// verified), which AWS does not: aws-sdk-go-v2 sends no checksum over plain
// HTTP. restic sends Content-MD5 on every PUT.
func TestObjectLockNeedsIntegrity(t *testing.T) {
	t.Parallel()
	bucket := newLockedBucket(t)
	body := []byte("locked body")
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	const msg = "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters"
	// put sends an UNSIGNED-PAYLOAD PUT of body with the given headers.
	put := func(key string, hdr ...string) harness.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx(t), http.MethodPut, rawURL(bucket, key, "").String(), bytes.NewReader(body))
		mustOK(t, "new request", err)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		signRequest(t, req, tgt.Root, body, "UNSIGNED-PAYLOAD")
		return harness.Do(t, nil, req)
	}
	lock := []string{"X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", until}
	md5h := []string{"Content-Md5", md5B64(body)}
	crc := []string{"X-Amz-Checksum-Crc32", checksumOf(types.ChecksumAlgorithmCrc32, body)}
	ok := func(what string, r harness.Response) {
		t.Helper()
		if r.Status != http.StatusOK {
			t.Errorf("%s: %d %s, want 200", what, r.Status, truncate(r.Body))
		}
	}

	// No default retention yet: only a PUT with lock headers needs it.
	ok("PUT without lock headers or default retention", put("plain"))
	r := put("hdr", lock...)
	wantRawErr(t, "PUT with lock headers, unsigned, no Content-MD5", r, http.StatusBadRequest, "InvalidRequest")
	if e := parseErrorBody(t, "PUT with lock headers", r); e.Message != msg {
		t.Errorf("PUT with lock headers, no Content-MD5: message %q, want %q", e.Message, msg)
	}
	ok("PUT with lock headers and Content-MD5", put("hdr", append(lock, md5h...)...))
	ok("PUT with lock headers and x-amz-checksum-crc32", put("hdr", append(lock, crc...)...))
	r = doRaw(t, &tgt.Root, http.MethodPut, rawURL(bucket, "hdr", ""), http.Header{lock[0]: {lock[1]}, lock[2]: {lock[3]}}, body)
	ok("PUT with lock headers and a signed payload", r)

	_, err := rootSDK().PutObjectLockConfiguration(ctx(t), &s3.PutObjectLockConfigurationInput{Bucket: &bucket,
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}})
	mustOK(t, "PutObjectLockConfiguration", err)
	wantRawErr(t, "PUT under default retention, unsigned, no Content-MD5", put("default"), http.StatusBadRequest, "InvalidRequest")
	ok("PUT under default retention with Content-MD5", put("default", md5h...))
	ok("PUT under default retention with x-amz-checksum-crc32", put("default", crc...))
	ok("PUT under default retention, signed payload", doRaw(t, &tgt.Root, http.MethodPut, rawURL(bucket, "default", ""), nil, body))
	putVersion(t, bucket, "sdk", body) // aws-sdk-go-v2's default
}
