// Package cqldb connects dolium to Apache Cassandra: one gocql session
// (github.com/apache/cassandra-gocql-driver/v2, the driver's maintained
// module) with token-aware, DC-aware host selection, configurable
// consistency (LOCAL_QUORUM for reads and writes, LOCAL_SERIAL for
// lightweight transactions by default), timeouts and retries; keyspace
// creation with configurable replication; versioned schema migrations per
// component; and Prometheus metrics per table.
//
// Backends (meta/cassandra, blobstore/cassandra) each own their tables and
// pass their migration steps to Migrate. A process refuses to start against
// a schema newer than it knows.
package cqldb
