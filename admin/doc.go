// Package admin serves dolium's operator endpoints under /_dolium/admin/
// (a path no bucket can take: bucket names have no underscore). Every
// request must be SigV4-signed by a key of the root owner; anything else
// is AccessDenied.
//
//	GET /_dolium/admin/redundancy[?bucket=B]   the redundancy report (JSON)
//	GET /_dolium/admin/placements              the configured placement policies (JSON)
//	GET /_dolium/admin/zones                   each placement's zones, probed, with their
//	                                           states and any rebuild's progress (JSON)
//	POST /_dolium/admin/rebuild?zone=Z         start a rebuild of zone Z (JSON: started,
//	                                           and the rebuild; 404 NoSuchZone)
package admin
