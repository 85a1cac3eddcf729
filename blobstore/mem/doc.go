// Package mem is an in-memory blobstore.Driver for unit tests. It keeps
// copies of the blobs it is given and hands out copies, so callers can
// neither retain nor corrupt what it stores.
package mem
