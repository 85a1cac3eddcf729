package gateway

import (
	"context"
	"errors"
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
	probe := false // the last read ended at a common prefix
	for {
		limit := min(max(in.MaxKeys-count+1, 100), 1000)
		if probe {
			// After a common prefix, read one key first: under a delimiter
			// most reads would otherwise fetch a page to keep one key.
			limit = 1
		}
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
		probe = skipped
	}
}

// VersionListInput is a ListObjectVersions request.
type VersionListInput struct {
	Prefix, Delimiter string
	// KeyMarker and VersionIDMarker (an S3 version id, "null" included):
	// the listing starts after this position.
	KeyMarker, VersionIDMarker string
	MaxKeys                    int
}

// VersionListOutput is one page of ListObjectVersions.
type VersionListOutput struct {
	Versions       []Object // objects and delete markers, IsLatest set
	CommonPrefixes []string
	IsTruncated    bool
	// NextKeyMarker and NextVersionIDMarker are where the next page
	// starts (NextVersionIDMarker "" after a common prefix).
	NextKeyMarker, NextVersionIDMarker string
}

// ListObjectVersions lists versions, key ascending then newest first,
// rolling keys that contain Delimiter after Prefix into common prefixes.
func (g *Gateway) ListObjectVersions(ctx context.Context, b Bucket, in VersionListInput) (VersionListOutput, error) {
	var out VersionListOutput
	if in.MaxKeys < 0 {
		return out, ErrInvalidArgument
	}
	opts := meta.VersionListOptions{Prefix: in.Prefix, KeyMarker: in.KeyMarker}
	if in.VersionIDMarker != "" {
		if err := checkVersionID(in.VersionIDMarker); err != nil {
			return out, err
		}
		opts.VersionMarker = in.VersionIDMarker
		if in.VersionIDMarker == meta.NullVersion {
			// The null version's place is its store id. If it is gone,
			// the key is listed from its newest version.
			opts.VersionMarker = "~" // above every id: all of the key
			nv, err := g.meta.GetObjectVersion(ctx, b.Name, in.KeyMarker, meta.NullVersion)
			switch {
			case err == nil:
				opts.VersionMarker = nv.VersionID
			case !errors.Is(err, meta.ErrNotFound):
				return out, mapMeta(err)
			}
		}
	}
	if in.MaxKeys == 0 {
		return out, nil
	}
	count := 0
	full := func() bool {
		if count == in.MaxKeys {
			out.IsTruncated = true
			return true
		}
		return false
	}
	probe := false // the last read ended at a common prefix (see ListObjects)
	for {
		opts.Limit = min(max(in.MaxKeys-count+1, 100), 1000)
		if probe {
			opts.Limit = 1
		}
		page, err := g.meta.ListObjectVersions(ctx, b.Name, opts)
		if err != nil {
			return out, mapMeta(err)
		}
		if len(page) == 0 {
			return out, nil
		}
		skipped := false
		for _, v := range page {
			if in.Delimiter != "" {
				rest := v.Key[len(in.Prefix):]
				if i := strings.Index(rest, in.Delimiter); i >= 0 {
					cp := in.Prefix + rest[:i+len(in.Delimiter)]
					if cp > in.KeyMarker {
						if full() {
							return out, nil
						}
						out.CommonPrefixes = append(out.CommonPrefixes, cp)
						out.NextKeyMarker, out.NextVersionIDMarker = cp, ""
						count++
					}
					// Skip every other version under this prefix.
					opts.KeyMarker, opts.VersionMarker = afterPrefix(cp), ""
					skipped = true
					break
				}
			}
			if full() {
				return out, nil
			}
			o := objectInfo(v)
			out.Versions = append(out.Versions, o)
			out.NextKeyMarker, out.NextVersionIDMarker = o.Key, o.VersionID
			count++
			opts.KeyMarker, opts.VersionMarker = v.Key, v.VersionID
		}
		if !skipped && len(page) < opts.Limit {
			return out, nil
		}
		probe = skipped
	}
}
