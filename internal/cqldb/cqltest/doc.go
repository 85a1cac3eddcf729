// Package cqltest gives tests a connection to the test Cassandra started by
// deploy/cassandra/start.sh (`make cassandra-start`). A test that calls it
// FAILS when Cassandra is not reachable: it never skips, so a broken
// install cannot pass CI unnoticed.
//
// Environment: DOLIUM_TEST_CASSANDRA (contact point, default
// 127.0.0.1:9042).
package cqltest
