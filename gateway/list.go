package gateway

import (
	"context"
	"strings"

	"github.com/dolium/dolium/meta"
)

// ListInput is a ListObjects (v1 or v2) request, with v2's continuation
// token or start-after already turned into Marker.
type ListInput struct {
	Prefix, Delimiter, Marker string
	MaxKeys                   int
}

// ListOutput is one page of a listing.
type ListOutput struct {
	Objects        []Object
	CommonPrefixes []string
	IsTruncated    bool
	// NextMarker is the last key or common prefix returned; the next page
	// starts after it.
	NextMarker string
}

// afterPrefix returns a key greater than every key that starts with p:
// keys are UTF-8 and no UTF-8 byte is 0xff.
func afterPrefix(p string) string { return p + "\xff" }

// ListObjects lists keys in order, rolling keys that contain Delimiter after
// Prefix into common prefixes.
func (g *Gateway) ListObjects(ctx context.Context, b Bucket, in ListInput) (ListOutput, error) {
	var out ListOutput
	bucket := b.Name
	if in.MaxKeys < 0 {
		return out, ErrInvalidArgument
	}
	if in.MaxKeys == 0 {
		return out, nil
	}
	after := in.Marker
	if after < in.Prefix {
		// Nothing before the prefix can match; start there.
		after = ""
	}
	count := 0
	for {
		limit := min(max(in.MaxKeys-count+1, 100), 1000)
		page, err := g.meta.ListObjects(ctx, bucket, meta.ListOptions{
			Prefix: in.Prefix, After: after, Limit: limit,
		})
		if err != nil {
			return out, mapMeta(err)
		}
		if len(page) == 0 {
			return out, nil
		}
		skipped := false
		for _, o := range page {
			if in.Delimiter != "" {
				rest := o.Key[len(in.Prefix):]
				if i := strings.Index(rest, in.Delimiter); i >= 0 {
					cp := in.Prefix + rest[:i+len(in.Delimiter)]
					if cp > in.Marker {
						if count == in.MaxKeys {
							out.IsTruncated = true
							return out, nil
						}
						out.CommonPrefixes = append(out.CommonPrefixes, cp)
						out.NextMarker = cp
						count++
					}
					// Skip every other key under this prefix.
					after = afterPrefix(cp)
					skipped = true
					break
				}
			}
			if count == in.MaxKeys {
				out.IsTruncated = true
				return out, nil
			}
			out.Objects = append(out.Objects, objectInfo(o))
			out.NextMarker = o.Key
			count++
			after = o.Key
		}
		if !skipped && len(page) < limit {
			return out, nil
		}
	}
}
