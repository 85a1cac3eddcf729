// Package identity keeps users and access keys in the metadata store
// (meta.Identities), shared by every gateway on it, and serves them to
// the S3 pipeline through a cache.
//
// Secrets: an access key's secret is stored sealed with AES-256-GCM (a
// random 12-byte nonce, the access key id as additional data, so a sealed
// secret copied to another row does not open), under a key derived with
// HKDF-SHA256 from, in order: the configured identity_key
// (DOLIUM_IDENTITY_KEY); the configured root secret; else 32 random bytes
// the first gateway stores in the store itself (which protects nothing
// against a reader of the store: configure identity_key). The first
// gateway stores a check value sealed with its key; a gateway whose key
// differs refuses to start instead of refusing every stored key. Secrets
// are never logged. Changing the key (rotation) is not supported yet.
//
// Root: the configured root key is the bootstrap and never stored. With
// none configured, the first gateway generates a pair and stores it
// sealed (a first-writer-wins claim, so gateways starting together
// agree); every later one uses it.
//
// Cache: an active key is served from memory for TTL (5 s) after it was
// read; an unknown or inactive key is remembered for NegativeTTL (1 s);
// a key not in the cache is read at once (concurrent misses of one key
// share one read). So a key created, enabled, disabled or deleted on one
// gateway takes effect on every other within 5 s, and at once on the one
// that changed it. When the store cannot be read, a key in use is served
// from its expired entry for StaleFor (5 min); a key not cached is refused
// (403 InvalidAccessKeyId, as sigv4.Credentials has no error to say 503).
package identity
