package identity

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/meta"
)

// Options tune the cache of a Store. Zero fields take the defaults.
type Options struct {
	// TTL is how long a key found active is served from the cache before
	// it is looked up again (default 5s): a key disabled or deleted on
	// another gateway is refused here within TTL.
	TTL time.Duration
	// NegativeTTL is how long an unknown or inactive key is remembered as
	// such (default 1s): a key created or enabled on another gateway is
	// accepted here within NegativeTTL, and a client retrying a bad key
	// costs the store at most one lookup per key per NegativeTTL.
	NegativeTTL time.Duration
	// StaleFor: when a lookup fails (the store away), an active key's
	// entry is served for this long past its TTL (default 5m), so that
	// clients with a key in use keep working through a short outage.
	StaleFor time.Duration
	// Timeout bounds one lookup (default 5s).
	Timeout time.Duration
	// MaxEntries bounds the cache (default 100000): when it is full the
	// expired entries are dropped, and if that is not enough, all.
	MaxEntries int
	Now        func() time.Time
	Logger     *slog.Logger
}

func (o *Options) defaults() {
	if o.TTL <= 0 {
		o.TTL = 5 * time.Second
	}
	if o.NegativeTTL <= 0 {
		o.NegativeTTL = time.Second
	}
	if o.StaleFor <= 0 {
		o.StaleFor = 5 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 100_000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Store is the keystore of the S3 pipeline (sigv4.Credentials and
// access.PrincipalSource) and the admin operations' access.Directory,
// backed by the metadata store's identities with a cache in front. The
// root key is held in memory and never looked up. Safe for concurrent
// use.
type Store struct {
	ms    meta.Identities
	seal  *sealer
	root  access.Key
	rootP access.Principal
	opts  Options

	mu       sync.Mutex
	cache    map[string]entry
	inflight map[string]chan struct{}
	gen      uint64 // bumped by every local change: a lookup begun before it is not cached
}

// entry is what the cache knows of an access key.
type entry struct {
	ok      bool
	secret  string
	p       access.Principal
	fetched time.Time
	expires time.Time
}

// newStore makes the Store; Open bootstraps it.
func newStore(ms meta.Identities, seal *sealer, root access.Key, rootID access.Identity, opts Options) *Store {
	opts.defaults()
	return &Store{ms: ms, seal: seal, root: root, opts: opts,
		rootP:    access.Principal{Owner: access.RootOwner, AccessKey: root.AccessKey, Identity: rootID},
		cache:    map[string]entry{},
		inflight: map[string]chan struct{}{},
	}
}

// SecretFor implements sigv4.Credentials.
func (s *Store) SecretFor(accessKey string) (secret, owner string, ok bool) {
	e := s.lookup(accessKey)
	return e.secret, e.p.Owner, e.ok
}

// PrincipalFor implements access.PrincipalSource.
func (s *Store) PrincipalFor(accessKey string) (access.Principal, bool) {
	e := s.lookup(accessKey)
	return e.p, e.ok
}

// Invalidate drops what the cache knows of accessKey (every key when
// ""), so that this gateway's own changes take effect here at once.
func (s *Store) Invalidate(accessKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	if accessKey == "" {
		clear(s.cache)
		return
	}
	delete(s.cache, accessKey)
}

// lookup answers from the cache, or looks the key up: one lookup per key
// at a time, the others waiting for its answer.
func (s *Store) lookup(ak string) entry {
	if ak == "" {
		return entry{}
	}
	s.mu.Lock()
	if ak == s.root.AccessKey {
		defer s.mu.Unlock()
		return entry{ok: true, secret: s.root.SecretKey, p: s.rootP}
	}
	if e, ok := s.cache[ak]; ok && s.opts.Now().Before(e.expires) {
		s.mu.Unlock()
		return e
	}
	if ch, ok := s.inflight[ak]; ok {
		s.mu.Unlock()
		<-ch
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.cache[ak] // the zero entry (refused) if the lookup failed
	}
	ch := make(chan struct{})
	s.inflight[ak] = ch
	old, hadOld := s.cache[ak]
	gen := s.gen
	s.mu.Unlock()

	e, err := s.fetch(ak)

	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.inflight, ak)
	defer close(ch)
	now := s.opts.Now()
	if err != nil {
		if hadOld && old.ok && now.Before(old.fetched.Add(s.opts.TTL+s.opts.StaleFor)) {
			s.opts.Logger.Warn("identity lookup failed; serving the cached key", "access_key", ak, "err", err)
			old.expires = now.Add(s.opts.NegativeTTL) // try again soon
			s.cache[ak] = old
			return old
		}
		s.opts.Logger.Warn("identity lookup failed; refusing the key", "access_key", ak, "err", err)
		delete(s.cache, ak)
		return entry{}
	}
	e.fetched = now
	if e.ok {
		e.expires = now.Add(s.opts.TTL)
	} else {
		e.expires = now.Add(s.opts.NegativeTTL)
	}
	if gen == s.gen {
		s.put(ak, e, now)
	}
	return e
}

// put caches e, making room if the cache is full.
func (s *Store) put(ak string, e entry, now time.Time) {
	if len(s.cache) >= s.opts.MaxEntries {
		for k, v := range s.cache {
			if !now.Before(v.expires) {
				delete(s.cache, k)
			}
		}
		if len(s.cache) >= s.opts.MaxEntries {
			clear(s.cache)
		}
	}
	s.cache[ak] = e
}

// fetch reads the key and its user from the store. An unknown, inactive
// or unopenable key, or one whose user is gone or inactive, is a refusal
// (ok false) with no error; an error is the store's.
func (s *Store) fetch(ak string) (entry, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.Timeout)
	defer cancel()
	k, err := s.ms.GetAccessKey(ctx, ak)
	if errors.Is(err, meta.ErrNotFound) {
		return entry{}, nil
	}
	if err != nil {
		return entry{}, err
	}
	if k.Status != meta.StatusActive {
		return entry{}, nil
	}
	u, err := s.ms.GetUser(ctx, k.User)
	if errors.Is(err, meta.ErrNotFound) {
		return entry{}, nil
	}
	if err != nil {
		return entry{}, err
	}
	if u.Status != meta.StatusActive {
		return entry{}, nil
	}
	secret, err := s.seal.open(k.ID, k.SealedSecret)
	if err != nil {
		s.opts.Logger.Error("an access key's secret does not open with this gateway's identity key; refusing it", "access_key", ak)
		return entry{}, nil
	}
	return entry{ok: true, secret: string(secret), p: principal(u, ak)}, nil
}

// principal is the principal of user u's key ak.
func principal(u meta.User, ak string) access.Principal {
	return access.Principal{Owner: u.Owner, AccessKey: ak, Identity: identityOf(u)}
}

func identityOf(u meta.User) access.Identity {
	return access.Identity{User: u.Name, ARN: access.UserARN(u.Owner, u.Name), CanonicalID: u.CanonicalID, Policy: string(u.Policy)}
}
