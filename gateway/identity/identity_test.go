package identity

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/meta/pebble"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// failing makes GetAccessKey fail while fail is set.
type failing struct {
	meta.Store
	mu   sync.Mutex
	fail bool
	gets int
}

func (f *failing) GetAccessKey(ctx context.Context, id string) (meta.AccessKey, error) {
	f.mu.Lock()
	fail := f.fail
	f.gets++
	f.mu.Unlock()
	if fail {
		return meta.AccessKey{}, meta.ErrUnavailable
	}
	return f.Store.GetAccessKey(ctx, id)
}

func openMeta(t *testing.T) meta.Store {
	t.Helper()
	s, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func open(t *testing.T, cfg Config) (*Store, Result) {
	t.Helper()
	s, res, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, res
}

// TestCacheExpiry: a key created on one gateway works on another at once
// (a miss is looked up); disabled on the first, it is refused there at
// once and on the other once its entry's TTL has passed.
func TestCacheExpiry(t *testing.T) {
	ms := openMeta(t)
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	opts := Options{TTL: 5 * time.Second, NegativeTTL: time.Second, Now: c.now}
	cfg := Config{Meta: ms, IdentityKey: "an-identity-key-for-tests", Options: opts}
	g1, _ := open(t, cfg)
	g2, _ := open(t, cfg)
	ctx := t.Context()
	if _, err := g1.CreateUser(ctx, "alice", "tenant-a", ""); err != nil {
		t.Fatal(err)
	}
	k, err := g1.CreateKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if sec, owner, ok := g2.SecretFor(k.AccessKey); !ok || sec != k.Secret || owner != "tenant-a" {
		t.Fatalf("SecretFor on gateway 2 of a new key: got %q, %q, %v; want its secret, tenant-a, true", sec, owner, ok)
	}
	p, ok := g2.PrincipalFor(k.AccessKey)
	if !ok || p.User != "alice" || p.ARN != "arn:aws:iam::tenant-a:user/alice" || len(p.CanonicalID) != 64 || p.Owner != "tenant-a" {
		t.Errorf("PrincipalFor: got %+v, %v", p, ok)
	}

	if _, err := g1.SetKeyStatus(ctx, k.AccessKey, meta.StatusInactive); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := g1.SecretFor(k.AccessKey); ok {
		t.Error("gateway 1 accepts the key it just disabled")
	}
	c.add(4 * time.Second)
	if _, _, ok := g2.SecretFor(k.AccessKey); !ok {
		t.Error("gateway 2 refused the key before its cache entry expired (want it cached for the TTL)")
	}
	c.add(1500 * time.Millisecond)
	if _, _, ok := g2.SecretFor(k.AccessKey); ok {
		t.Error("gateway 2 still accepts a key disabled more than a TTL ago")
	}

	// Enabled again: refused for at most NegativeTTL, then accepted.
	if _, err := g1.SetKeyStatus(ctx, k.AccessKey, meta.StatusActive); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := g2.SecretFor(k.AccessKey); ok {
		t.Error("gateway 2 accepted the key within NegativeTTL of refusing it (want the refusal cached)")
	}
	c.add(1100 * time.Millisecond)
	if _, _, ok := g2.SecretFor(k.AccessKey); !ok {
		t.Error("gateway 2 refuses a key enabled more than NegativeTTL ago")
	}

	// Deleted: refused likewise; so is the key of a removed user.
	if err := g1.DeleteKey(ctx, k.AccessKey); err != nil {
		t.Fatal(err)
	}
	c.add(6 * time.Second)
	if _, _, ok := g2.SecretFor(k.AccessKey); ok {
		t.Error("gateway 2 accepts a deleted key")
	}
	if err := g1.DeleteUser(ctx, "alice"); err != nil {
		t.Errorf("DeleteUser without keys: %v", err)
	}
}

// TestStaleOnError: while the store fails, a key in use is served from
// its expired entry for StaleFor, a new key is refused.
func TestStaleOnError(t *testing.T) {
	f := &failing{Store: openMeta(t)}
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	g, _ := open(t, Config{Meta: f, IdentityKey: "an-identity-key-for-tests", Options: Options{Now: c.now, StaleFor: time.Minute}})
	ctx := t.Context()
	if _, err := g.CreateUser(ctx, "bob", "", ""); err != nil {
		t.Fatal(err)
	}
	k, _ := g.CreateKey(ctx, "bob")
	k2, _ := g.CreateKey(ctx, "bob")
	if _, _, ok := g.SecretFor(k.AccessKey); !ok {
		t.Fatal("key refused")
	}
	f.mu.Lock()
	f.fail = true
	f.mu.Unlock()
	c.add(30 * time.Second)
	if _, _, ok := g.SecretFor(k.AccessKey); !ok {
		t.Error("a cached key is refused while the store is away (want it served for StaleFor)")
	}
	if _, _, ok := g.SecretFor(k2.AccessKey); ok {
		t.Error("a key never looked up was accepted while the store is away")
	}
	c.add(time.Minute)
	if _, _, ok := g.SecretFor(k.AccessKey); ok {
		t.Error("a cached key is still served StaleFor after its TTL")
	}
}

// TestLookupsShared: concurrent misses of one key make one lookup.
func TestLookupsShared(t *testing.T) {
	f := &failing{Store: openMeta(t)}
	g, _ := open(t, Config{Meta: f, IdentityKey: "an-identity-key-for-tests"})
	if _, err := g.CreateUser(t.Context(), "bob", "", ""); err != nil {
		t.Fatal(err)
	}
	k, _ := g.CreateKey(t.Context(), "bob")
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() { defer wg.Done(); g.SecretFor(k.AccessKey) }()
	}
	wg.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gets > 5 {
		t.Errorf("50 concurrent lookups of one key made %d store reads, want about 1", f.gets)
	}
}

// TestRootBootstrap: with no root key configured, the first gateway
// generates one and stores it; the next one uses it. A gateway whose
// sealing key differs refuses to start.
func TestRootBootstrap(t *testing.T) {
	ms := openMeta(t)
	g1, r1 := open(t, Config{Meta: ms})
	g2, r2 := open(t, Config{Meta: ms})
	if !r1.Generated || r2.Generated || r1.Root != r2.Root || r1.Root.AccessKey == "" || r1.Source != SourceStore {
		t.Fatalf("bootstrap: first %+v, second %+v; want one generated root shared", r1, r2)
	}
	if s, o, ok := g2.SecretFor(r1.Root.AccessKey); !ok || s != r1.Root.SecretKey || o != access.RootOwner {
		t.Errorf("gateway 2 on the root key: %q %q %v", s, o, ok)
	}
	if p, _ := g1.PrincipalFor(r1.Root.AccessKey); p.User != "root" || p.ARN != "arn:aws:iam::root:root" || !p.Root() {
		t.Errorf("root principal: %+v", p)
	}
	raw, err := ms.GetIdentitySetting(t.Context(), settingRoot)
	if err != nil || bytes.Contains(raw, []byte(r1.Root.SecretKey)) {
		t.Errorf("stored root key: %v; holds the secret in the clear: %v", err, bytes.Contains(raw, []byte(r1.Root.SecretKey)))
	}
	if _, _, err := Open(t.Context(), Config{Meta: ms, IdentityKey: "another-identity-key"}); err == nil || !strings.Contains(err.Error(), "sealed with another key") {
		t.Errorf("Open with another sealing key: got %v, want the check to fail", err)
	}
	if _, _, err := Open(t.Context(), Config{Meta: ms, IdentityKey: "short"}); err == nil {
		t.Error("Open with a short identity key: got nil error")
	}
}

// TestImport: configured keys are imported once; a key disabled since
// stays disabled on the next start; the secret is stored sealed.
func TestImport(t *testing.T) {
	ms := openMeta(t)
	root := access.Key{AccessKey: "ROOTKEY", SecretKey: "root-secret-123", Owner: access.RootOwner}
	keys := []access.Key{{AccessKey: "AKALICE", SecretKey: "alice-secret", Owner: "alice"}}
	g, res := open(t, Config{Meta: ms, Root: root, Keys: keys})
	if res.Imported != 1 || res.Source != SourceRoot {
		t.Fatalf("first import: %+v", res)
	}
	if s, o, ok := g.SecretFor("AKALICE"); !ok || s != "alice-secret" || o != "alice" {
		t.Errorf("imported key: %q %q %v", s, o, ok)
	}
	stored, err := ms.GetAccessKey(t.Context(), "AKALICE")
	if err != nil || bytes.Contains(stored.SealedSecret, []byte("alice-secret")) {
		t.Errorf("stored key %v: secret in the clear", err)
	}
	if _, err := g.SetKeyStatus(t.Context(), "AKALICE", meta.StatusInactive); err != nil {
		t.Fatal(err)
	}
	g2, res := open(t, Config{Meta: ms, Root: root, Keys: keys})
	if res.Imported != 0 || res.Kept != 1 {
		t.Errorf("second import: %+v, want the key kept", res)
	}
	if _, _, ok := g2.SecretFor("AKALICE"); ok {
		t.Error("re-import enabled a disabled key")
	}
	if err := g2.DeleteUser(t.Context(), "alice"); !errors.Is(err, access.ErrUserHasKeys) {
		t.Errorf("DeleteUser of a user with keys: %v, want ErrUserHasKeys", err)
	}
	if _, err := g2.SetKeyStatus(t.Context(), "ROOTKEY", meta.StatusInactive); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("disabling the root key: %v, want ErrInvalid", err)
	}
	// Root key changed, no identity key: the check refuses.
	if _, _, err := Open(t.Context(), Config{Meta: ms, Root: access.Key{AccessKey: "ROOT2", SecretKey: "other-secret"}}); err == nil {
		t.Error("Open with another root secret (the sealing key): got nil error")
	}
}

// TestPolicy: an attached policy is stored compacted and carried on the
// principal; detached, it is gone.
func TestPolicy(t *testing.T) {
	g, _ := open(t, Config{Meta: openMeta(t), IdentityKey: "an-identity-key-for-tests"})
	ctx := t.Context()
	g.CreateUser(ctx, "carol", "", "Carol")
	k, _ := g.CreateKey(ctx, "carol")
	if _, err := g.AttachPolicy(ctx, "carol", []byte("[1]")); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("AttachPolicy of a non-object: %v", err)
	}
	if _, err := g.AttachPolicy(ctx, "carol", []byte(`{"Version":"2012-10-17","Statement":[]}`)); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("AttachPolicy of a policy without statements: %v", err)
	}
	doc := `{ "Version": "2012-10-17", "Statement": [ {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*"} ] }`
	u, err := g.AttachPolicy(ctx, "carol", []byte(doc))
	if err != nil || string(u.Policy) != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*"}]}` {
		t.Fatalf("AttachPolicy: %+v, %v", u, err)
	}
	if p, _ := g.PrincipalFor(k.AccessKey); p.Policy != string(u.Policy) {
		t.Errorf("principal's policy %q, want %q", p.Policy, u.Policy)
	}
	if _, err := g.DetachPolicy(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	if p, _ := g.PrincipalFor(k.AccessKey); p.Policy != "" {
		t.Errorf("principal's policy after detach %q", p.Policy)
	}
	if _, err := g.AttachPolicy(ctx, "nobody", []byte(doc)); !errors.Is(err, access.ErrNoSuchUser) {
		t.Errorf("AttachPolicy of a missing user: %v", err)
	}
}
