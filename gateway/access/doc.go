// Package access keeps the access keys dolium accepts: each key has a
// secret and an owner (tenant). Buckets belong to owners; a key acts for its
// owner. It also creates the root key pair on first start when none is
// configured: random, stored under the data directory with mode 0600, never
// a well-known default.
package access
