package gateway

import (
	"context"
	"errors"

	"github.com/dolium/dolium/gateway/cors"
)

// Bucket CORS in the core: the configuration kept in the bucket's configs
// (as cors.Marshal writes it), and the configuration a cross-origin
// request is matched against. The matching is package cors's.

// ErrNoCORS: GetBucketCors of a bucket without a CORS configuration.
var ErrNoCORS = errors.New("no CORS configuration")

// corsConfigName is the bucket configs document of the CORS configuration.
const corsConfigName = "cors"

// CORS returns b's CORS configuration; ok is false if b has none.
func (g *Gateway) CORS(b Bucket) (c *cors.Configuration, ok bool) {
	doc, found := b.Configs[corsConfigName]
	if !found {
		return nil, false
	}
	c, err := cors.Parse(doc)
	if err != nil { // stored by PutCORS after the same Parse: not expected
		g.log.Error("stored CORS configuration does not parse", "bucket", b.Name, "err", err)
		return nil, false
	}
	return c, true
}

// PutCORS replaces b's CORS configuration with the document body. An
// invalid document is a *cors.Error with AWS's code and message; the
// stored configuration is then unchanged.
func (g *Gateway) PutCORS(ctx context.Context, b Bucket, body []byte) error {
	c, err := cors.Parse(body)
	if err != nil {
		return err
	}
	return g.setConfig(ctx, b.Name, corsConfigName, c.Marshal())
}

// GetCORS returns b's CORS configuration document, or ErrNoCORS.
func (g *Gateway) GetCORS(b Bucket) ([]byte, error) {
	doc, ok := b.Configs[corsConfigName]
	if !ok {
		return nil, ErrNoCORS
	}
	return doc, nil
}

// DeleteCORS removes b's CORS configuration (none: no error).
func (g *Gateway) DeleteCORS(ctx context.Context, b Bucket) error {
	return g.setConfig(ctx, b.Name, corsConfigName, nil)
}
