package conformance

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dolium/dolium/test/harness"
)

// TestAWSCLIPresign: `aws s3 presign` of both CLIs (v1 signs with SigV2 by
// default, `AWSAccessKeyId`/`Signature`/`Expires`; v2 with SigV4) gives a
// URL that reads the object without credentials; a tampered one answers
// 403.
func TestAWSCLIPresign(t *testing.T) {
	t.Parallel()
	for _, major := range []int{1, 2} {
		t.Run(fmt.Sprintf("v%d", major), func(t *testing.T) {
			t.Parallel()
			cli := harness.NewAWSCLIMajor(t, major, tgt.Endpoint, tgt.Region, tgt.Root)
			bucket := newBucket(t)
			putBytes(t, bucket, "shared file.txt", []byte("presigned by the CLI"))
			u := strings.TrimSpace(cli.Run(t, "s3", "presign", "s3://"+bucket+"/shared file.txt", "--expires-in", "300"))
			if major == 1 && !strings.Contains(u, "AWSAccessKeyId=") {
				t.Errorf("v1's presigned URL is not SigV2 (its default): %s", u)
			}
			get := func(u string) (int, string) {
				resp, err := http.Get(u)
				mustOK(t, "GET presigned URL", err)
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			if st, body := get(u); st != http.StatusOK || body != "presigned by the CLI" {
				t.Errorf("GET %s: %d %q", u, st, truncate([]byte(body)))
			}
			tampered := strings.Replace(u, "shared%20file.txt", "other.txt", 1)
			if st, body := get(tampered); st != http.StatusForbidden {
				t.Errorf("GET of the URL with another key: %d %q, want 403", st, truncate([]byte(body)))
			}
		})
	}
}
