package admin

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/gateway/upkeep"
	"github.com/dolium/dolium/s3api/s3err"
	"github.com/dolium/dolium/s3api/sigv4"
)

// Prefix is the path every admin endpoint lives under.
const Prefix = "/_dolium/admin/"

// Handler serves the admin endpoints.
type Handler struct {
	GW *gateway.Gateway
	// Workers answer the reports and start rebuilds.
	Workers *upkeep.Workers
	Keys    sigv4.Credentials
	Region  string
	Log     *slog.Logger
	// ProbeTimeout bounds the zones endpoint's probe of each zone (default 10s).
	ProbeTimeout time.Duration
}

func (h *Handler) probeTimeout() time.Duration {
	if h.ProbeTimeout > 0 {
		return h.ProbeTimeout
	}
	return 10 * time.Second
}

// fail answers an endpoint's failure: 503 when the metadata store is away,
// else 500 with the error logged, not sent.
func (h *Handler) fail(w http.ResponseWriter, what string, err error) {
	if errors.Is(err, gateway.ErrUnavailable) {
		writeError(w, s3err.ServiceUnavailable, "the metadata store is not reachable")
		return
	}
	h.Log.Error(what, "err", err)
	writeError(w, s3err.InternalError, "the "+what+" failed; see the gateway log")
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers with an S3 error's code and status (the codes are
// s3err's, not declared again here) and msg.
func writeError(w http.ResponseWriter, e *s3err.Error, msg string) {
	writeJSON(w, e.Status, errorBody{e.Code, msg})
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
			writeError(w, ae, ae.Message)
			return
		}
		writeError(w, s3err.AccessDenied, s3err.AccessDenied.Message)
		return
	}
	if auth.Anonymous || auth.Owner != access.RootOwner {
		writeError(w, s3err.AccessDenied, "admin endpoints need a key of the root owner")
		return
	}
	endpoint := strings.TrimPrefix(r.URL.Path, Prefix)
	// Reports are GETs; rebuild takes POST; gc takes both (POST also
	// queues the orphans it finds).
	want := http.MethodGet
	if endpoint == "rebuild" || endpoint == "gc" && r.Method == http.MethodPost {
		want = http.MethodPost
	}
	if r.Method != want {
		writeError(w, s3err.MethodNotAllowed, "this admin endpoint takes "+want)
		return
	}
	switch endpoint {
	case "gc":
		rep, err := h.Workers.VerifyGC(r.Context(), r.Method == http.MethodPost)
		if err != nil {
			h.fail(w, "gc verify", err)
			return
		}
		writeJSON(w, http.StatusOK, rep)
	case "zones":
		zs, err := h.Workers.ZoneReport(r.Context(), h.probeTimeout())
		if err != nil {
			h.fail(w, "zone report", err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"placements": zs})
	case "rebuild":
		zone := r.URL.Query().Get("zone")
		st, started, err := h.Workers.StartRebuild(r.Context(), zone)
		if errors.Is(err, upkeep.ErrNoSuchZone) {
			writeJSON(w, http.StatusNotFound, errorBody{"NoSuchZone", "no placement uses zone " + strconv.Quote(zone)})
			return
		}
		if err != nil {
			h.fail(w, "start rebuild", err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"started": started, "rebuild": st})
	case "redundancy":
		rep, err := h.Workers.RedundancyReport(r.Context(), r.URL.Query().Get("bucket"))
		if err != nil {
			h.fail(w, "redundancy report", err)
			return
		}
		writeJSON(w, http.StatusOK, rep)
	case "placements":
		writeJSON(w, http.StatusOK, map[string]any{"placements": h.GW.Placements()})
	default:
		writeJSON(w, http.StatusNotFound, errorBody{"NotFound", "no such admin endpoint"})
	}
}
