package cluster

import (
	"encoding/json"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dolium/dolium/internal/cqldb/cqltest"
	"github.com/dolium/dolium/test/harness"
)

var bannerKey = regexp.MustCompile(`(?m)^  AWS_ACCESS_KEY_ID=(\S+)\n  AWS_SECRET_ACCESS_KEY=(\S+)$`)

// bannerRoot reads the root key a gateway printed when it started.
func bannerRoot(t *testing.T, g *harness.Server) harness.Credentials {
	t.Helper()
	m := bannerKey.FindStringSubmatch(g.LogTail(200))
	if m == nil {
		t.Fatalf("no root key in the banner of %s:\n%s", g.Addr, g.LogTail(40))
	}
	return harness.Credentials{AccessKey: m[1], SecretKey: m[2]}
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// within polls f every 100 ms until it returns true or d passes, and
// returns how long it took (or -1).
func within(d time.Duration, f func() bool) time.Duration {
	start := time.Now()
	for time.Since(start) < d {
		if f() {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return -1
}

// TestSharedIdentities: two gateways on one keyspace with no root key
// configured, started at once, use the same root key (the first one's,
// from the store); a key created through gateway 1's admin CLI works on
// gateway 2 within seconds, and disabled through gateway 2 it is refused
// by gateway 1 (which has it cached) within seconds, 403
// InvalidAccessKeyId.
func TestSharedIdentities(t *testing.T) {
	ks := keyspace(t, "ident")
	hosts := cqltest.Hosts()[0]
	var gs [2]*harness.Server
	var errs [2]error
	var wg sync.WaitGroup
	for i := range gs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir, err := harness.TempDir()
			if err != nil {
				errs[i] = err
				return
			}
			gs[i], errs[i] = harness.Start(harness.Options{DataDir: dir, HealthTimeout: 90 * time.Second,
				Cassandra: harness.Cassandra{Hosts: hosts, Keyspace: ks}})
		}()
	}
	wg.Wait()
	for i, g := range gs {
		if g != nil {
			t.Cleanup(func() {
				g.Kill()
				if t.Failed() {
					t.Logf("tail of gateway %d's output:\n%s", i+1, g.LogTail(30))
				}
			})
		}
	}
	for _, err := range errs {
		if err != nil {
			t.Fatalf("starting dolium: %v", err)
		}
	}
	g1, g2 := gs[0], gs[1]
	root1, root2 := bannerRoot(t, g1), bannerRoot(t, g2)
	if root1 != root2 {
		t.Fatalf("gateways on one keyspace with no root key configured use different root keys: %s and %s", root1.AccessKey, root2.AccessKey)
	}
	g1.Options.Root, g2.Options.Root = root1, root1
	ctx := harness.Context(t, 3*time.Minute)
	if _, err := client(g2.Endpoint, root1).ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("gateway 2 refuses the root key: %v", err)
	}
	if _, err := client(g1.Endpoint, root1).ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("gateway 1 refuses the root key: %v", err)
	}

	// A user and a key, through gateway 1's admin CLI.
	if out, err := g1.AdminCommand(ctx, "user", "add", "alice", "--owner", "tenant-a").CombinedOutput(); err != nil {
		t.Fatalf("admin user add: %v\n%s", err, out)
	}
	out, err := g1.AdminCommand(ctx, "key", "create", "--user", "alice", "--json").Output()
	if err != nil {
		t.Fatalf("admin key create: %v\n%s", err, out)
	}
	var k struct {
		AccessKey string `json:"access_key"`
		Secret    string `json:"secret_key"`
	}
	if err := json.Unmarshal(out, &k); err != nil || k.AccessKey == "" || k.Secret == "" {
		t.Fatalf("admin key create printed %q: %v", out, err)
	}
	alice := harness.Credentials{AccessKey: k.AccessKey, SecretKey: k.Secret}
	a1, a2 := client(g1.Endpoint, alice), client(g2.Endpoint, alice)

	took := within(10*time.Second, func() bool {
		_, err := a2.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alices")})
		return err == nil
	})
	if took < 0 {
		t.Fatal("a key created on gateway 1 is not accepted by gateway 2 within 10 s")
	}
	t.Logf("the new key worked on gateway 2 after %v", took.Round(time.Millisecond))
	lb, err := a1.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "alices" {
		t.Fatalf("alice's ListBuckets on gateway 1: %v, %v; want her bucket", lb, err)
	}

	// Disabled through gateway 2; gateway 1 has the key cached.
	if out, err := g2.AdminCommand(ctx, "key", "disable", alice.AccessKey).CombinedOutput(); err != nil {
		t.Fatalf("admin key disable: %v\n%s", err, out)
	}
	if _, err := a2.ListBuckets(ctx, &s3.ListBucketsInput{}); errorCode(err) != "InvalidAccessKeyId" {
		t.Errorf("gateway 2 right after disabling the key: got %v, want InvalidAccessKeyId", err)
	}
	var last error
	took = within(15*time.Second, func() bool {
		_, last = a1.ListBuckets(ctx, &s3.ListBucketsInput{})
		return last != nil
	})
	if took < 0 {
		t.Fatal("gateway 1 still accepts the key 15 s after it was disabled on gateway 2")
	}
	if errorCode(last) != "InvalidAccessKeyId" || httpStatus(last) != 403 {
		t.Fatalf("gateway 1 on the disabled key: %v (status %d), want 403 InvalidAccessKeyId", last, httpStatus(last))
	}
	t.Logf("gateway 1 refused the disabled key after %v", took.Round(time.Millisecond))

	// Enabled again, through gateway 1: accepted by gateway 2 again.
	if out, err := g1.AdminCommand(ctx, "key", "enable", alice.AccessKey).CombinedOutput(); err != nil {
		t.Fatalf("admin key enable: %v\n%s", err, out)
	}
	if within(10*time.Second, func() bool { _, err := a2.ListBuckets(ctx, &s3.ListBucketsInput{}); return err == nil }) < 0 {
		t.Error("gateway 2 does not accept the re-enabled key within 10 s")
	}
	// A non-root key may not use the admin endpoints.
	ac := *g1
	ac.Options.Root = alice
	if out, err := ac.AdminCommand(ctx, "user", "list").CombinedOutput(); err == nil {
		t.Errorf("admin user list with a user's key succeeded:\n%s", out)
	}
}
