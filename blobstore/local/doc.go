// Package local is a blobstore.Driver that keeps chunks as files in a local
// directory.
//
// Layout: <dir>/<xx>/<dataID>/<index>, where xx is the first two hex digits
// of SHA-1(dataID), so that no directory holds more than a fraction of the
// data ids. Put writes a temporary file in the chunk's directory, fsyncs it,
// renames it into place and fsyncs the directory, so an acknowledged chunk
// survives kill -9 and power loss, and a reader never sees a partial chunk.
// Delete renames the data id's directory into <dir>/.trash before removing
// it, so a crash never leaves a half-deleted data id behind.
//
// Data ids may use only the characters [A-Za-z0-9._-], must not contain
// "..", and must be at most 200 bytes long; others are rejected, so that no
// data id can name a path outside its directory.
//
// The driver reports its file system's free space (blobstore.SpaceReporter),
// so that a full disk shows in readiness before a write fails on it.
package local
