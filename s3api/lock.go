package s3api

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/s3api/s3err"
)

// Object lock: the bucket's configuration (default retention), each
// version's retention and legal hold, and the x-amz-object-lock-* headers
// of writes, with the errors AWS answers (the S3 API reference's
// PutObjectLockConfiguration, PutObjectRetention, PutObjectLegalHold).

type objectLockConfiguration struct {
	XMLName           xml.Name `xml:"ObjectLockConfiguration"`
	Xmlns             string   `xml:"xmlns,attr,omitempty"`
	ObjectLockEnabled string   `xml:",omitempty"`
	Rule              *struct {
		DefaultRetention *struct {
			Mode  string
			Days  *int `xml:",omitempty"`
			Years *int `xml:",omitempty"`
		}
	} `xml:",omitempty"`
}

type retentionXML struct {
	XMLName         xml.Name `xml:"Retention"`
	Xmlns           string   `xml:"xmlns,attr,omitempty"`
	Mode            string   `xml:",omitempty"`
	RetainUntilDate string   `xml:",omitempty"`
}

type legalHoldXML struct {
	XMLName xml.Name `xml:"LegalHold"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Status  string
}

var (
	errMissingLockConfig = s3err.InvalidRequest.With("Bucket is missing Object Lock Configuration")
	errRetainInPast      = s3err.InvalidArgument.With("The retain until date must be in the future!")
)

func validMode(m string) bool { return m == gateway.Governance || m == gateway.Compliance }

// lockHeaders parses a write's x-amz-object-lock-* headers (nil: none).
func lockHeaders(h http.Header) (*gateway.LockInput, error) {
	mode, until, hold := h.Get("X-Amz-Object-Lock-Mode"), h.Get("X-Amz-Object-Lock-Retain-Until-Date"), h.Get("X-Amz-Object-Lock-Legal-Hold")
	if mode == "" && until == "" && hold == "" {
		return nil, nil
	}
	in := &gateway.LockInput{}
	if (mode == "") != (until == "") {
		return nil, s3err.InvalidArgument.With("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
	}
	if mode != "" {
		if !validMode(mode) {
			return nil, s3err.InvalidArgument.With("Unknown wormMode directive.")
		}
		t, err := time.Parse(time.RFC3339, until)
		if err != nil {
			return nil, s3err.InvalidArgument.With("The retain until date must be provided in ISO 8601 format")
		}
		in.Mode, in.Until = mode, t
	}
	in.HoldSet = hold != ""
	switch hold {
	case "", "OFF":
	case "ON":
		in.LegalHold = true
	default:
		return nil, s3err.InvalidArgument.With("Legal Hold must be either of 'ON' or 'OFF'")
	}
	return in, nil
}

// lockResponseHeaders sets a GET or HEAD's object lock headers.
func lockResponseHeaders(resp *response, o gateway.Object) {
	if o.Retention.Mode != "" {
		resp.set("x-amz-object-lock-mode", o.Retention.Mode)
		resp.set("x-amz-object-lock-retain-until-date", o.Retention.Until.UTC().Format(time.RFC3339))
	}
	switch {
	case o.LegalHold:
		resp.set("x-amz-object-lock-legal-hold", "ON")
	case o.LegalHoldSet:
		resp.set("x-amz-object-lock-legal-hold", "OFF")
	}
}

func putObjectLockConfiguration(s *Server, r *request) (act, error) {
	var cfg objectLockConfiguration
	if _, err := readXML(r, &cfg, false); err != nil {
		return nil, err
	}
	if cfg.ObjectLockEnabled != "Enabled" {
		return nil, s3err.MalformedXML
	}
	var lc gateway.LockConfig
	if cfg.Rule != nil {
		d := cfg.Rule.DefaultRetention
		if d == nil || !validMode(d.Mode) || (d.Days == nil) == (d.Years == nil) {
			return nil, s3err.MalformedXML
		}
		lc.Mode = d.Mode
		switch {
		case d.Days != nil && *d.Days <= 0, d.Years != nil && *d.Years <= 0:
			return nil, s3err.InvalidRetentionPeriod
		case d.Days != nil && *d.Days > 36500, d.Years != nil && *d.Years > 100:
			return nil, s3err.InvalidRetentionPeriod.With("Default retention period too large.")
		case d.Days != nil:
			lc.Days = *d.Days
		default:
			lc.Years = *d.Years
		}
	}
	return func() (*response, error) {
		if err := s.gw.SetLockConfig(r.Context(), r.bucket, lc); err != nil {
			return nil, err
		}
		return &response{}, nil
	}, nil
}

func getObjectLockConfiguration(s *Server, r *request) (*response, error) {
	if !r.bucket.ObjectLock {
		return nil, s3err.ObjectLockConfigurationNotFoundError
	}
	cfg := objectLockConfiguration{Xmlns: xmlns, ObjectLockEnabled: "Enabled"}
	if lc := r.bucket.LockConfig(); lc.Mode != "" {
		cfg.Rule = &struct {
			DefaultRetention *struct {
				Mode  string
				Days  *int `xml:",omitempty"`
				Years *int `xml:",omitempty"`
			}
		}{}
		cfg.Rule.DefaultRetention = &struct {
			Mode  string
			Days  *int `xml:",omitempty"`
			Years *int `xml:",omitempty"`
		}{Mode: lc.Mode}
		if lc.Days > 0 {
			cfg.Rule.DefaultRetention.Days = &lc.Days
		} else {
			cfg.Rule.DefaultRetention.Years = &lc.Years
		}
	}
	return &response{xml: cfg}, nil
}

func versionTarget(r *request) gateway.VersionTarget {
	return gateway.VersionTarget{Key: r.op.Key, VersionID: r.URL.Query().Get("versionId")}
}

func putObjectRetention(s *Server, r *request) (act, error) {
	var x retentionXML
	if _, err := readXML(r, &x, false); err != nil {
		return nil, err
	}
	var ret meta.Retention
	if x.Mode != "" || x.RetainUntilDate != "" {
		if !validMode(x.Mode) || x.RetainUntilDate == "" {
			return nil, s3err.MalformedXML
		}
		t, err := time.Parse(time.RFC3339, x.RetainUntilDate)
		if err != nil {
			return nil, s3err.MalformedXML
		}
		ret = meta.Retention{Mode: x.Mode, Until: t}
	}
	return func() (*response, error) {
		o, err := s.gw.PutRetention(r.Context(), r.bucket, versionTarget(r), ret, bypassGovernance(s, r, r.op.Key))
		if err != nil {
			return nil, err
		}
		resp := &response{}
		setVersionID(resp, r.bucket, o.VersionID)
		return resp, nil
	}, nil
}

func getObjectRetention(s *Server, r *request) (*response, error) {
	o, err := s.gw.GetLock(r.Context(), r.bucket, versionTarget(r))
	if err != nil {
		return nil, err
	}
	if o.Retention.Mode == "" {
		return nil, s3err.NoSuchObjectLockConfiguration
	}
	return &response{xml: retentionXML{Xmlns: xmlns, Mode: o.Retention.Mode,
		RetainUntilDate: o.Retention.Until.UTC().Format("2006-01-02T15:04:05.000Z")}}, nil
}

func putObjectLegalHold(s *Server, r *request) (act, error) {
	var x legalHoldXML
	if _, err := readXML(r, &x, false); err != nil {
		return nil, err
	}
	if x.Status != "ON" && x.Status != "OFF" {
		return nil, s3err.MalformedXML
	}
	return func() (*response, error) {
		o, err := s.gw.PutLegalHold(r.Context(), r.bucket, versionTarget(r), x.Status == "ON")
		if err != nil {
			return nil, err
		}
		resp := &response{}
		setVersionID(resp, r.bucket, o.VersionID)
		return resp, nil
	}, nil
}

func getObjectLegalHold(s *Server, r *request) (*response, error) {
	o, err := s.gw.GetLock(r.Context(), r.bucket, versionTarget(r))
	if err != nil {
		return nil, err
	}
	if !o.LegalHold && !o.LegalHoldSet {
		// AWS: a version never given a legal hold has none to show.
		return nil, s3err.NoSuchObjectLockConfiguration
	}
	st := "OFF"
	if o.LegalHold {
		st = "ON"
	}
	return &response{xml: legalHoldXML{Xmlns: xmlns, Status: st}}, nil
}

// objectLockEnabledHeader is CreateBucket's x-amz-bucket-object-lock-enabled.
func objectLockEnabledHeader(h http.Header) bool {
	return strings.EqualFold(h.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true")
}
