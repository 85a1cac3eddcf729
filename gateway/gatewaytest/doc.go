// Package gatewaytest holds what the core's tests and the workers' tests
// share: a settable clock, a metadata store and chunk driver in a
// temporary directory, seeded random bytes and bucket resolution. It does
// not import the core, so the core's own (internal) tests can use it.
package gatewaytest
