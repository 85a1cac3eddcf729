package cqldb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/dolium/dolium/internal/cqldb"
	"github.com/dolium/dolium/internal/cqldb/cqltest"
)

func TestReplicationMap(t *testing.T) {
	for in, want := range map[string]string{
		"SimpleStrategy:3":                      "{'class': 'SimpleStrategy', 'replication_factor': 3}",
		"NetworkTopologyStrategy:dc2=1,dc1=3":   "{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 1}",
		"NetworkTopologyStrategy: aws=2, gcp=2": "{'class': 'NetworkTopologyStrategy', 'aws': 2, 'gcp': 2}",
	} {
		if got, err := cqldb.ReplicationMap(in); err != nil || got != want {
			t.Errorf("ReplicationMap(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "SimpleStrategy", "SimpleStrategy:0", "NetworkTopologyStrategy:dc1", "NetworkTopologyStrategy:d'c=1", "Other:1"} {
		if _, err := cqldb.ReplicationMap(bad); err == nil {
			t.Errorf("ReplicationMap(%q) err = nil, want an error", bad)
		}
	}
}

func TestStatementLabels(t *testing.T) {
	for stmt, want := range map[string][2]string{
		"SELECT a FROM objects WHERE x = ?":         {"objects", "select"},
		"INSERT INTO chunks (a) VALUES (?)":         {"chunks", "insert"},
		"UPDATE dolium.buckets SET a = ? WHERE b=?": {"buckets", "update"},
		"DELETE FROM gc_queue WHERE h = ?":          {"gc_queue", "delete"},
		"CREATE TABLE IF NOT EXISTS parts (a int)":  {"parts", "create"},
	} {
		table, op := cqldb.StatementLabels(stmt)
		if table != want[0] || op != want[1] {
			t.Errorf("StatementLabels(%q) = %s, %s; want %s, %s", stmt, table, op, want[0], want[1])
		}
	}
}

func TestMigrate(t *testing.T) {
	db, _ := cqltest.DB(t, "migrate")
	ctx := context.Background()
	steps := []string{
		"CREATE TABLE IF NOT EXISTS t1 (k text PRIMARY KEY)",
		"CREATE TABLE IF NOT EXISTS t2 (k text PRIMARY KEY)",
	}
	if err := db.Migrate(ctx, "test", steps[:1]); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, "test", steps); err != nil {
		t.Fatal(err)
	}
	if err := db.Session.Query("INSERT INTO t2 (k) VALUES ('x')").Exec(); err != nil {
		t.Errorf("table of step 2 missing: %v", err)
	}
	if err := db.Migrate(ctx, "test", steps); err != nil {
		t.Errorf("re-running migrations = %v, want nil", err)
	}
	if err := db.Migrate(ctx, "test", steps[:1]); !errors.Is(err, cqldb.ErrSchemaTooNew) {
		t.Errorf("older build against newer schema = %v, want ErrSchemaTooNew", err)
	}
}
