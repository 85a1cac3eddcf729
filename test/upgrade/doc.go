// Package upgrade opens stores written by the previous release with this
// one: the last commit before versioning is built from the repository's
// own history, writes objects on the embedded store and on Cassandra, and
// the gateway built from the working tree must serve them, as null
// versions, and version them from then on.
package upgrade
