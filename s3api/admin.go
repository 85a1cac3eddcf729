package s3api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/upkeep"
	"github.com/dolium/dolium/s3api/s3err"
)

// AdminPrefix is the path dolium's operator endpoints live under, a path no
// bucket can take (bucket names have no underscore). They are operations of
// the pipeline like S3's, with their own actions (dolium:AdminRead,
// dolium:AdminWrite: the root owner's only) and JSON bodies, errors
// included ({"code": ..., "message": ...}):
//
//	GET /_dolium/admin/redundancy[?bucket=B]   the redundancy report
//	GET /_dolium/admin/placements              the configured placement policies
//	GET /_dolium/admin/zones                   each placement's zones, probed, with their
//	                                           states and any rebuild's progress
//	POST /_dolium/admin/rebuild?zone=Z         start a rebuild of zone Z (started, and
//	                                           the rebuild; 404 NoSuchZone)
//	GET|POST /_dolium/admin/gc                 the gc verification (POST also queues the
//	                                           orphans it finds)
//	/_dolium/admin/users, keys, policy         users, access keys, identity policies
//	                                           (admin_identities.go)
const AdminPrefix = "/_dolium/admin/"

// Maintenance is what the admin operations ask of the core's background
// machinery (collector, zones, rebuilds, redundancy).
type Maintenance interface {
	RedundancyReport(ctx context.Context, bucket string) (upkeep.Redundancy, error)
	ZoneReport(ctx context.Context, timeout time.Duration) ([]upkeep.PlacementZones, error)
	StartRebuild(ctx context.Context, zone string) (st upkeep.RebuildStatus, started bool, err error)
	VerifyGC(ctx context.Context, queue bool) (upkeep.GCReport, error)
}

// The admin operations.
const (
	OpAdminRedundancy       OpName = "AdminRedundancy"
	OpAdminPlacements       OpName = "AdminPlacements"
	OpAdminZones            OpName = "AdminZones"
	OpAdminStartRebuild     OpName = "AdminStartRebuild"
	OpAdminVerifyGC         OpName = "AdminVerifyGC" // GET gc
	OpAdminQueueGC          OpName = "AdminQueueGC"  // POST gc: verify and queue the orphans
	OpAdminMethodNotAllowed OpName = "AdminMethodNotAllowed"
	OpAdminNotFound         OpName = "AdminNotFound"
)

// routeAdmin names the admin operation of a request for AdminPrefix +
// endpoint. Unknown endpoints and methods are operations too: like every
// admin request they must be the root owner's before they get an answer.
func routeAdmin(method, endpoint string) OpName {
	if op, ok := routeIdentityAdmin(method, endpoint); ok {
		return op
	}
	if method != adminMethod(method, endpoint) {
		return OpAdminMethodNotAllowed
	}
	switch endpoint {
	case "redundancy":
		return OpAdminRedundancy
	case "placements":
		return OpAdminPlacements
	case "zones":
		return OpAdminZones
	case "rebuild":
		return OpAdminStartRebuild
	case "gc":
		if method == http.MethodPost {
			return OpAdminQueueGC
		}
		return OpAdminVerifyGC
	}
	return OpAdminNotFound
}

// adminMethod is the method an admin endpoint takes: reports are GETs,
// rebuild takes POST, gc takes both (POST also queues the orphans it finds).
func adminMethod(method, endpoint string) string {
	if endpoint == "rebuild" || endpoint == "gc" && method == http.MethodPost {
		return http.MethodPost
	}
	return http.MethodGet
}

// adminError is the JSON body of an admin operation's error.
type adminError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

var errAdminDenied = s3err.AccessDenied.With("admin endpoints need a key of the root owner")

// adminFailed is the answer to a failure of the core: 503 when the
// metadata store is away, else 500 with the error logged, not sent.
func (s *Server) adminFailed(r *request, what string, err error) error {
	if errors.Is(err, gateway.ErrUnavailable) {
		return s3err.ServiceUnavailable.With("the metadata store is not reachable")
	}
	s.log.Error(what, "request_id", r.id, "err", err)
	return s3err.InternalError.With("the " + what + " failed; see the gateway log")
}

func (s *Server) maintenance() (Maintenance, error) {
	if s.maint == nil {
		return nil, s3err.NotImplemented.With("this gateway serves no maintenance endpoints")
	}
	return s.maint, nil
}

func adminRedundancy(s *Server, r *request) (*response, error) {
	m, err := s.maintenance()
	if err != nil {
		return nil, err
	}
	rep, err := m.RedundancyReport(r.Context(), r.URL.Query().Get("bucket"))
	if err != nil {
		return nil, s.adminFailed(r, "redundancy report", err)
	}
	return &response{json: rep}, nil
}

func adminPlacements(s *Server, r *request) (*response, error) {
	return &response{json: map[string]any{"placements": s.gw.Placements()}}, nil
}

func adminZones(s *Server, r *request) (*response, error) {
	m, err := s.maintenance()
	if err != nil {
		return nil, err
	}
	zs, err := m.ZoneReport(r.Context(), s.probeTimeout)
	if err != nil {
		return nil, s.adminFailed(r, "zone report", err)
	}
	return &response{json: map[string]any{"placements": zs}}, nil
}

func adminStartRebuild(s *Server, r *request) (*response, error) {
	m, err := s.maintenance()
	if err != nil {
		return nil, err
	}
	zone := r.URL.Query().Get("zone")
	st, started, err := m.StartRebuild(r.Context(), zone)
	if errors.Is(err, upkeep.ErrNoSuchZone) {
		return nil, &s3err.Error{Code: "NoSuchZone", Status: http.StatusNotFound, Message: "no placement uses zone " + strconv.Quote(zone)}
	}
	if err != nil {
		return nil, s.adminFailed(r, "start rebuild", err)
	}
	return &response{json: map[string]any{"started": started, "rebuild": st}}, nil
}

func adminVerifyGC(s *Server, r *request) (*response, error) {
	m, err := s.maintenance()
	if err != nil {
		return nil, err
	}
	rep, err := m.VerifyGC(r.Context(), r.op.Name == OpAdminQueueGC)
	if err != nil {
		return nil, s.adminFailed(r, "gc verify", err)
	}
	return &response{json: rep}, nil
}

func adminMethodNotAllowed(s *Server, r *request) (*response, error) {
	endpoint := strings.TrimPrefix(r.URL.Path, AdminPrefix)
	want := adminMethod(r.Method, endpoint)
	if ms, ok := identityMethods[endpoint]; ok {
		want = ms
	}
	return nil, s3err.MethodNotAllowed.With("this admin endpoint takes " + want)
}

func adminNotFound(s *Server, r *request) (*response, error) {
	return nil, &s3err.Error{Code: "NotFound", Status: http.StatusNotFound, Message: "no such admin endpoint"}
}
