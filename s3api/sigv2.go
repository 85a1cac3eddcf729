package s3api

import (
	"net/http"
	"strings"
)

// hostBucket is the bucket a virtual-host-style request names in its Host,
// "" for path style: SigV2's canonical resource begins with it.
func (s *Server) hostBucket(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		return ""
	}
	b, _ := BucketFromHost(r.Host, s.domains)
	return b
}
