package admin

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/identity"
	"github.com/dolium/dolium/s3api/s3err"
	"github.com/dolium/dolium/s3api/sigv4"
)

// Prefix is the path every admin endpoint lives under.
const Prefix = "/_dolium/admin/"

// Handler serves the admin endpoints.
type Handler struct {
	GW     *gateway.Gateway
	Keys   sigv4.Credentials
	Region string
	Log    *slog.Logger
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth, err := sigv4.Verify(r, h.Keys, h.Region, time.Now())
	if err != nil {
		var ae *s3err.Error
		if errors.As(err, &ae) {
			writeJSON(w, ae.Status, errorBody{ae.Code, ae.Message})
			return
		}
		writeJSON(w, http.StatusForbidden, errorBody{"AccessDenied", "Access Denied"})
		return
	}
	if auth.Anonymous || auth.Owner != identity.RootOwner {
		writeJSON(w, http.StatusForbidden, errorBody{"AccessDenied", "admin endpoints need a key of the root owner"})
		return
	}
	endpoint := strings.TrimPrefix(r.URL.Path, Prefix)
	// Reports are GETs; gc with POST also queues the orphans it finds.
	if r.Method != http.MethodGet && !(r.Method == http.MethodPost && endpoint == "gc") {
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{"MethodNotAllowed", "admin endpoints are read-only, but for POST gc"})
		return
	}
	switch endpoint {
	case "gc":
		rep, err := h.GW.VerifyGC(r.Context(), r.Method == http.MethodPost)
		if err != nil {
			if errors.Is(err, gateway.ErrUnavailable) {
				writeJSON(w, http.StatusServiceUnavailable, errorBody{"ServiceUnavailable", "a store is not reachable"})
				return
			}
			h.Log.Error("gc verify", "err", err)
			writeJSON(w, http.StatusInternalServerError, errorBody{"InternalError", "the check failed; see the gateway log"})
			return
		}
		writeJSON(w, http.StatusOK, rep)
	case "redundancy":
		rep, err := h.GW.RedundancyReport(r.Context(), r.URL.Query().Get("bucket"))
		if err != nil {
			if errors.Is(err, gateway.ErrUnavailable) {
				writeJSON(w, http.StatusServiceUnavailable, errorBody{"ServiceUnavailable", "the metadata store is not reachable"})
				return
			}
			h.Log.Error("redundancy report", "err", err)
			writeJSON(w, http.StatusInternalServerError, errorBody{"InternalError", "the report failed; see the gateway log"})
			return
		}
		writeJSON(w, http.StatusOK, rep)
	case "placements":
		writeJSON(w, http.StatusOK, map[string]any{"placements": h.GW.Placements()})
	default:
		writeJSON(w, http.StatusNotFound, errorBody{"NotFound", "no such admin endpoint"})
	}
}
