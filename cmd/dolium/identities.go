package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/gateway/identity"
	"github.com/dolium/dolium/meta"
)

// configuredRoot is the root key of the configuration. Without one, the
// embedded store's is the data directory's (generated there on the first
// start); on Cassandra it is the store's (gateway/identity), and a data
// directory's key from before is only offered as the candidate for it.
func configuredRoot(cfg config) (root, candidate access.Key, generated bool, err error) {
	if cfg.Root.AccessKey != "" {
		return access.Key{AccessKey: cfg.Root.AccessKey, SecretKey: cfg.Root.SecretKey, Owner: access.RootOwner}, access.Key{}, false, nil
	}
	if cfg.Store != "cassandra" {
		root, generated, err = access.LoadOrCreateRoot(cfg.Data)
		if err != nil {
			return root, candidate, false, fmt.Errorf("root credentials: %w", err)
		}
		return root, access.Key{}, generated, nil
	}
	if _, err := os.Stat(filepath.Join(cfg.Data, access.RootFile)); err == nil {
		if candidate, _, err = access.LoadOrCreateRoot(cfg.Data); err != nil {
			return root, candidate, false, fmt.Errorf("root credentials: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return root, candidate, false, err
	}
	return access.Key{}, candidate, false, nil
}

// openIdentities validates the configured keys and opens the store's
// identities: the keystore of the S3 pipeline and the admin directory.
func openIdentities(ctx context.Context, cfg config, ms meta.Store, root, candidate access.Key, log *slog.Logger) (*identity.Store, identity.Result, error) {
	check := cfg.Keys
	if root.AccessKey != "" {
		check = append([]access.Key{root}, cfg.Keys...)
	}
	if _, err := access.NewKeystore(check); err != nil {
		return nil, identity.Result{}, err
	}
	st, res, err := identity.Open(ctx, identity.Config{
		Meta: ms, IdentityKey: cfg.IdentityKey, Root: root, RootCandidate: candidate, Keys: cfg.Keys,
		Options: identity.Options{Logger: log},
	})
	if err != nil {
		return nil, res, err
	}
	if res.FromStore && candidate.AccessKey != "" && candidate.AccessKey != res.Root.AccessKey {
		log.Warn("the root key in the data directory is not the store's; the store's is used", "file", filepath.Join(cfg.Data, access.RootFile))
	}
	if res.Source == identity.SourceStore {
		log.Warn("no identity_key or root key configured: access key secrets are sealed with a key kept in the store itself; set identity_key (DOLIUM_IDENTITY_KEY) to protect them")
	}
	return st, res, nil
}
