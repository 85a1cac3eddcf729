// Package storetest is the contract suite for blobstore drivers, and the
// fault-injecting driver the tests of everything above them share.
//
// A driver's test file is a harness and one call per suite:
//
//	func TestDriver(t *testing.T) { storetest.Run(t, newDriver) }
//	func TestStore(t *testing.T)  { storetest.RunStore(t, newDriver) }
//
// Run checks the blobstore.Driver contract (and blobstore.Lister when the
// driver implements it); RunStore runs a blobstore.Store over the driver.
// newDriver must return a fresh, empty driver; the suites close it.
// Data ids used by the suites are made of [a-z0-9-] only.
//
// FaultDriver wraps any blobstore.Driver and injects the Faults a test
// sets and changes while it runs: a down switch, errors per operation,
// hangs and delays until a call's context ends, corrupted reads, lost
// writes and hooks before each call and after each Get; it counts the
// calls of each operation, and those in flight. Zones, stores and
// gateways under test use it where a backend must fail.
package storetest
