package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/dolium/dolium/gateway/upkeep"
	"github.com/dolium/dolium/s3api"
)

const adminUsage = `usage:
  dolium admin redundancy [--bucket B] [--json]     objects fully redundant, degraded, unavailable, lost
                                                    (exit status 3 when anything is lost)
  dolium admin zones [--json]                       each placement's zones: ok, unreachable, replaced,
                                                    replaced-rebuilding (with progress)
  dolium admin rebuild ZONE                         start a rebuild of ZONE (refill it from the others)
  dolium admin placements                           configured placement policies
  dolium admin gc --verify [--queue] [--json]       stored chunks against referenced data: orphans, missing
  dolium admin create-bucket --placement P NAME     create a bucket with a placement policy
  dolium admin user|key|policy ...                  users, access keys, identity policies (dolium admin user)
common flags: --endpoint URL (env DOLIUM_ENDPOINT, default http://127.0.0.1:9000), --region;
credentials of a root key from DOLIUM_ROOT_ACCESS_KEY/DOLIUM_ROOT_SECRET_KEY
(or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).`

// adminMain runs `dolium admin ...` against a running gateway.
func adminMain(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", adminUsage)
	}
	verb := args[0]
	if identityVerb(verb) {
		return identityAdmin(verb, args[1:], stdout)
	}
	fs := flag.NewFlagSet("admin "+verb, flag.ContinueOnError)
	endpoint := fs.String("endpoint", envOr("DOLIUM_ENDPOINT", "http://127.0.0.1:9000"), "gateway endpoint")
	region := fs.String("region", envOr("DOLIUM_REGION", "us-east-1"), "region")
	bucket := fs.String("bucket", "", "only this bucket (redundancy)")
	asJSON := fs.Bool("json", false, "print JSON (redundancy, zones)")
	placementName := fs.String("placement", "", "placement policy (create-bucket)")
	verify := fs.Bool("verify", false, "compare stored data with referenced data (gc)")
	queueOrphans := fs.Bool("queue", false, "queue the orphans found for the collector (gc --verify)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ak := envOr("DOLIUM_ROOT_ACCESS_KEY", os.Getenv("AWS_ACCESS_KEY_ID"))
	sk := envOr("DOLIUM_ROOT_SECRET_KEY", os.Getenv("AWS_SECRET_ACCESS_KEY"))
	if ak == "" || sk == "" {
		return fmt.Errorf("no credentials: set DOLIUM_ROOT_ACCESS_KEY and DOLIUM_ROOT_SECRET_KEY")
	}
	c := adminClient{endpoint: strings.TrimRight(*endpoint, "/"), region: *region, creds: aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}}
	switch verb {
	case "redundancy":
		q := url.Values{}
		if *bucket != "" {
			q.Set("bucket", *bucket)
		}
		body, err := c.do("GET", s3api.AdminPrefix+"redundancy", q, nil)
		if err != nil {
			return err
		}
		if *asJSON {
			if _, err := stdout.Write(body); err != nil {
				return err
			}
		}
		var r upkeep.Redundancy
		if err := json.Unmarshal(body, &r); err != nil {
			return err
		}
		if !*asJSON {
			printRedundancy(stdout, r)
		}
		if r.Lost > 0 {
			return exitError{3, fmt.Sprintf("%d objects (%d chunks) lost", r.Lost, r.ChunksLost)}
		}
		return nil
	case "zones":
		body, err := c.do("GET", s3api.AdminPrefix+"zones", nil, nil)
		if err != nil {
			return err
		}
		if *asJSON {
			_, err := stdout.Write(body)
			return err
		}
		var zr struct {
			Placements []upkeep.PlacementZones `json:"placements"`
		}
		if err := json.Unmarshal(body, &zr); err != nil {
			return err
		}
		printZones(stdout, zr.Placements)
		return nil
	case "rebuild":
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: dolium admin rebuild ZONE")
		}
		q := url.Values{"zone": {fs.Arg(0)}}
		body, err := c.do("POST", s3api.AdminPrefix+"rebuild", q, nil)
		if err != nil {
			return err
		}
		var out struct {
			Started bool                 `json:"started"`
			Rebuild upkeep.RebuildStatus `json:"rebuild"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return err
		}
		if out.Started {
			fmt.Fprintf(stdout, "rebuild of zone %s started\n", fs.Arg(0))
		} else {
			fmt.Fprintf(stdout, "a rebuild of zone %s is already running: %s\n", fs.Arg(0), progress(out.Rebuild))
		}
		return nil
	case "placements":
		body, err := c.do("GET", s3api.AdminPrefix+"placements", nil, nil)
		if err == nil {
			_, err = stdout.Write(body)
		}
		return err
	case "gc":
		if !*verify {
			return fmt.Errorf("usage: dolium admin gc --verify [--queue] [--json]")
		}
		method := "GET"
		if *queueOrphans {
			method = "POST"
		}
		body, err := c.do(method, s3api.AdminPrefix+"gc", nil, nil)
		if err != nil {
			return err
		}
		var rep upkeep.GCReport
		if err := json.Unmarshal(body, &rep); err != nil {
			return fmt.Errorf("gc report: %w", err)
		}
		if *asJSON {
			stdout.Write(body)
		} else {
			fmt.Fprintf(stdout, "stored %d data sets, referenced %d, in flight %d, orphans %d (queued %d), missing %d\n",
				rep.Stored, rep.Referenced, rep.InFlight, len(rep.Orphans), rep.Queued, len(rep.Missing))
			for _, id := range rep.Orphans {
				fmt.Fprintf(stdout, "orphan  %s\n", id)
			}
			for _, id := range rep.Missing {
				fmt.Fprintf(stdout, "missing %s\n", id)
			}
			for _, p := range rep.Unlisted {
				if p == "" {
					p = "(primary)"
				}
				fmt.Fprintf(stdout, "not listable: %s\n", p)
			}
		}
		switch {
		case len(rep.Missing) > 0:
			return fmt.Errorf("%d referenced data sets are missing from their store", len(rep.Missing))
		case len(rep.Orphans) > rep.Queued:
			return fmt.Errorf("%d orphaned data sets (run with --queue to have the collector remove them)", len(rep.Orphans)-rep.Queued)
		}
		return nil
	case "create-bucket":
		if fs.NArg() != 1 || *placementName == "" {
			return fmt.Errorf("usage: dolium admin create-bucket --placement P NAME")
		}
		_, err := c.do("PUT", "/"+fs.Arg(0), nil, http.Header{s3api.PlacementHeader: {*placementName}})
		if err == nil {
			fmt.Fprintf(stdout, "created bucket %s with placement %s\n", fs.Arg(0), *placementName)
		}
		return err
	}
	return fmt.Errorf("unknown admin command %q\n%s", verb, adminUsage)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

type adminClient struct {
	endpoint, region string
	creds            aws.Credentials
}

func (c adminClient) do(method, path string, q url.Values, h http.Header) ([]byte, error) {
	return c.request(method, path, q, h, nil)
}

// request sends a request signed with c's key (the body signed by its
// SHA-256) and returns the answer's body, or an error naming the request
// and the answer for a status other than 2xx.
func (c adminClient) request(method, path string, q url.Values, h http.Header, body []byte) ([]byte, error) {
	u := c.endpoint + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	sum := sha256.Sum256(body)
	ph := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", ph)
	if err := v4.NewSigner().SignHTTP(context.Background(), c.creds, req, ph, "s3", c.region, time.Now()); err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Minute}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// exitError ends `dolium admin` with a status of its own.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func printRedundancy(w io.Writer, r upkeep.Redundancy) {
	fmt.Fprintf(w, "objects          %d\nfully redundant  %d\ndegraded         %d\nunavailable      %d\nlost             %d\nsingle store     %d\n",
		r.Objects, r.FullyRedundant, r.Degraded, r.Unavailable, r.Lost, r.SingleStore)
	fmt.Fprintf(w, "chunks           %d (degraded %d, unavailable %d, lost %d)\nrepair queue     %d\n",
		r.Chunks, r.ChunksDegraded, r.ChunksUnavailable, r.ChunksLost, r.RepairQueue)
	for _, rb := range r.Rebuilds {
		fmt.Fprintf(w, "rebuild %-8s %s\n", rb.Zone, progress(rb))
	}
	for _, o := range r.LostObjects {
		fmt.Fprintf(w, "LOST         %s\n", o)
	}
	for _, o := range r.UnavailableObjects {
		fmt.Fprintf(w, "unavailable  %s\n", o)
	}
	for _, o := range r.DegradedObjects {
		fmt.Fprintf(w, "degraded     %s\n", o)
	}
}

// progress is one line about a rebuild.
func progress(r upkeep.RebuildStatus) string {
	if !r.Running {
		return fmt.Sprintf("finished %s: %d chunks, %d bytes written, %d failed",
			r.Finished.Format(time.RFC3339), r.ChunksDone, r.Bytes, r.ChunksFailed)
	}
	pct := 0.0
	if r.ChunksTotal > 0 {
		pct = 100 * float64(r.ChunksDone) / float64(r.ChunksTotal)
	}
	eta := "unknown"
	if r.ETASeconds >= 0 {
		eta = (time.Duration(r.ETASeconds) * time.Second).String()
	}
	s := fmt.Sprintf("running: %d/%d chunks (%.0f%%), %d bytes written, %d failed, ETA %s",
		r.ChunksDone, r.ChunksTotal, pct, r.Bytes, r.ChunksFailed, eta)
	if r.Waiting != "" {
		s += " (waiting: " + r.Waiting + ")"
	}
	return s
}

func printZones(w io.Writer, ps []upkeep.PlacementZones) {
	for _, p := range ps {
		fmt.Fprintf(w, "placement %s (%s, a chunk needs %d good of %d)\n", p.Placement, p.Scheme, p.Needed, len(p.Zones))
		for _, z := range p.Zones {
			line := fmt.Sprintf("  %-12s %-20s", z.Name, z.State)
			switch {
			case z.Rebuild != nil && z.Rebuild.Running:
				line += " " + progress(*z.Rebuild)
			case z.Error != "":
				line += " " + z.Error
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
}
