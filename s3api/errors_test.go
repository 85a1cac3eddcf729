package s3api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/s3api/s3err"
)

// TestDataErrors: data that may come back is 503 ServiceUnavailable, data
// that is gone is dolium's DataLost (500), and neither is an internal
// error whose text would be logged instead of named.
func TestDataErrors(t *testing.T) {
	for _, tc := range []struct {
		err    error
		code   string
		status int
	}{
		{fmt.Errorf("%w: placement ec21: get d/0: 2 zones unreachable", gateway.ErrUnavailable), "ServiceUnavailable", http.StatusServiceUnavailable},
		{fmt.Errorf("%w: placement ec21: get d/0: chunk not found", gateway.ErrDataLost), "DataLost", http.StatusInternalServerError},
	} {
		e, internal := toS3(tc.err)
		if e.Code != tc.code || e.Status != tc.status || internal {
			t.Errorf("toS3(%v) = %s %d internal=%v, want %s %d not internal", tc.err, e.Code, e.Status, internal, tc.code, tc.status)
		}
	}
	if s3err.DataLost.Code == s3err.InternalError.Code {
		t.Error("DataLost must not share InternalError's code")
	}
}
