package cqltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/dolium/dolium/internal/cqldb"
)

// Hosts returns the test cluster's contact points.
func Hosts() []string {
	if h := os.Getenv("DOLIUM_TEST_CASSANDRA"); h != "" {
		return []string{h}
	}
	return []string{"127.0.0.1:9042"}
}

// Config returns a config for a fresh keyspace named after prefix.
func Config(prefix string) cqldb.Config {
	var b [4]byte
	rand.Read(b[:])
	return cqldb.Config{
		Hosts: Hosts(), Keyspace: prefix + "_" + hex.EncodeToString(b[:]),
		Replication: "SimpleStrategy:1", Timeout: 10 * time.Second, ConnectTimeout: 10 * time.Second,
	}
}

// DB connects to a fresh keyspace, dropped when the test ends.
func DB(t testing.TB, prefix string) (*cqldb.DB, cqldb.Config) {
	t.Helper()
	cfg := Config(prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := cqldb.Connect(ctx, cfg, nil)
	if err != nil {
		t.Fatalf("Cassandra at %v is not reachable (start it with `make cassandra-start`): %v", cfg.Hosts, err)
	}
	t.Cleanup(func() {
		db.Session.Query("DROP KEYSPACE IF EXISTS " + cfg.Keyspace).Exec()
		db.Close()
	})
	return db, cfg
}
