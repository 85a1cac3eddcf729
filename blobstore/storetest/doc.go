// Package storetest is the contract suite for blobstore drivers.
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
package storetest
