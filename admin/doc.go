// Package admin serves dolium's operator endpoints under /_dolium/admin/
// (a path no bucket can take: bucket names have no underscore). Every
// request must be SigV4-signed by a key of the root owner; anything else
// is AccessDenied.
//
//	GET /_dolium/admin/redundancy[?bucket=B]   the redundancy report (JSON)
//	GET /_dolium/admin/placements              the configured placement policies (JSON)
package admin
