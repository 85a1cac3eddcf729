// Package cluster holds dolium's tests on a real Apache Cassandra with
// several gateway processes: two gateways racing on the same keys, garbage
// collection checked in the chunk and queue tables with CQL, and a
// Cassandra node stopped and restarted under a running gateway.
//
// The tests need the local Cassandra of deploy/cassandra (`make
// cassandra-start`) and FAIL when it is not reachable. The outage test
// starts a Cassandra node of its own on 127.0.0.3 so that stopping it does
// not disturb other tests.
package cluster
