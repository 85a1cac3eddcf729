package s3api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dolium/dolium/gateway/access"
)

// The operation table and the router agree: every operation Route names
// is declared once, and every declared operation is routed to.
func TestOperationTable(t *testing.T) {
	table := operationTable()
	routed := map[OpName]bool{}
	subs := []string{""}
	for s := range subresources {
		subs = append(subs, s)
	}
	pairs := []string{"partNumber=1&uploadId=u", "list-type=2", "versionId=null", "versionId=v1"}
	for _, method := range []string{"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"} {
		for _, path := range []string{"/", "/bkt", "/bkt/key", AdminPrefix + "redundancy", AdminPrefix + "placements",
			AdminPrefix + "zones", AdminPrefix + "rebuild", AdminPrefix + "gc", AdminPrefix + "nothing",
			AdminPrefix + "users", AdminPrefix + "keys", AdminPrefix + "policy"} {
			for _, q := range append(subs, pairs...) {
				for _, variant := range []string{"", "copy", "form"} {
					h := http.Header{}
					switch variant {
					case "copy":
						h.Set("X-Amz-Copy-Source", "/src/k")
					case "form": // a browser-form upload (PostObject)
						h.Set("Content-Type", "multipart/form-data; boundary=b")
					}
					query, _ := url.ParseQuery(q)
					op := Route(method, path, query, h)
					if op.Name == OpNotImplemented || op.Name == OpMethodNotAllowed {
						continue
					}
					routed[op.Name] = true
					if table[op.Name] == nil {
						t.Errorf("Route(%s %s?%s) = %s, which the operation table does not declare", method, path, q, op.Name)
					}
				}
			}
		}
	}
	for name, op := range table {
		if !routed[name] {
			t.Errorf("operation %s is declared but never routed to", name)
		}
		if op.handle == nil || op.action == "" && !op.beforeAuth {
			t.Errorf("operation %s lacks a handler or an action", name)
		}
		if admin := strings.HasPrefix(string(name), "Admin"); admin != op.admin() {
			t.Errorf("operation %s: admin() = %v", name, op.admin())
		}
		if op.admin() && op.bucket != noBucket {
			t.Errorf("admin operation %s addresses a bucket", name)
		}
		if op.beforeAuth != (name == OpPreflight) {
			t.Errorf("operation %s: beforeAuth = %v (only the CORS preflight comes before authentication)", name, op.beforeAuth)
		}
		if op.copySource != (name == OpCopyObject || name == OpUploadPartCopy) {
			t.Errorf("operation %s: copySource = %v", name, op.copySource)
		}
	}
	for name, want := range map[OpName]access.Action{
		OpListBuckets: access.ListAllMyBuckets, OpCreateBucket: access.CreateBucket, OpHeadBucket: access.ListBucket,
		OpListObjectsV2: access.ListBucket, OpDeleteObjects: access.DeleteObject, OpHeadObject: access.GetObject,
		OpCopyObject: access.PutObject, OpUploadPartCopy: access.PutObject, OpListParts: access.ListMultipartUploadParts,
		OpListMultipartUploads: access.ListBucketMultipartUploads, OpListObjectVersions: access.ListBucketVersions, OpAbortMultipartUpload: access.AbortMultipartUpload,
		OpAdminRedundancy: access.AdminRead, OpAdminStartRebuild: access.AdminWrite, OpAdminQueueGC: access.AdminWrite,
	} {
		if got := table[name].action; got != want {
			t.Errorf("operation %s needs %s, want %s", name, got, want)
		}
	}
	for _, name := range []OpName{OpListBuckets, OpCreateBucket} {
		if table[name].bucket == existingBucket {
			t.Errorf("operation %s wants an existing bucket", name)
		}
	}
	// The subresource an operation declares first routes to it.
	for _, c := range []struct {
		method, path string
		name         OpName
	}{
		{"GET", "/bkt", OpGetBucketLocation}, {"GET", "/bkt", OpGetBucketVersioning}, {"GET", "/bkt", OpGetBucketAcl},
		{"GET", "/bkt", OpListMultipartUploads}, {"GET", "/bkt", OpListObjectVersions}, {"POST", "/bkt", OpDeleteObjects}, {"GET", "/bkt/k", OpGetObjectAcl},
		{"POST", "/bkt/k", OpCreateMultipartUpload}, {"DELETE", "/bkt/k", OpAbortMultipartUpload}, {"GET", "/bkt/k", OpListParts},
	} {
		sub := table[c.name].query[0]
		if got := Route(c.method, c.path, url.Values{sub: {""}}, http.Header{}); got.Name != c.name {
			t.Errorf("Route(%s %s?%s) = %s, want %s (its declared subresource)", c.method, c.path, sub, got.Name, c.name)
		}
	}
}

// recorder is an Authorizer that records what it is asked and answers
// with rule.
type recorder struct {
	mu    sync.Mutex
	asked []asked
	rule  access.Authorizer
}

type asked struct {
	p access.Principal
	a access.Action
	r access.Resource
}

func (rec *recorder) Authorize(p access.Principal, a access.Action, r access.Resource, rc access.RequestContext) access.Decision {
	rec.mu.Lock()
	// The ACLs are pointers: recorded as whether they were given (the
	// bucket's always; the object's when read).
	rr := r
	rr.ACL, rr.ObjectACL = nil, nil
	if r.ACL != nil {
		rr.Owner += "+acl"
	}
	if r.ObjectACL != nil {
		rr.Key += "+objectacl"
	}
	rec.asked = append(rec.asked, asked{p, a, rr})
	rec.mu.Unlock()
	if !rc.SourceIP.IsLoopback() {
		return access.Deny // the test's client is local
	}
	return rec.rule.Authorize(p, a, r, rc)
}

func (rec *recorder) take() []asked {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	a := rec.asked
	rec.asked = nil
	return a
}

// Access is decided in one place: the pipeline asks the Authorizer once
// per request (and once for a copy's source) with the resolved bucket's
// owner; another Authorizer changes who may do what without any handler
// knowing.
func TestAuthorizerDecides(t *testing.T) {
	rec := &recorder{rule: access.Owners}
	s := newTenants(t, func(o *Options) { o.Authorizer = rec })
	alice := access.Principal{Owner: "alice", AccessKey: "AKALICE"}
	bob := access.Principal{Owner: "bob", AccessKey: "AKBOB"}
	check := func(what string, want ...asked) {
		t.Helper()
		if got := rec.take(); !slices.Equal(got, want) {
			t.Errorf("%s asked %+v, want %+v", what, got, want)
		}
	}
	s.ok("alice creates bkt", s.do("alice", "PUT", "/alice-bkt", nil, nil))
	check("CreateBucket", asked{alice, access.CreateBucket, access.Resource{Bucket: "alice-bkt"}})
	s.ok("alice puts k", s.do("alice", "PUT", "/alice-bkt/k", nil, []byte("data")))
	check("PutObject", asked{alice, access.PutObject, access.Resource{Bucket: "alice-bkt", Owner: "alice+acl", Key: "k"}})
	s.ok("alice lists", s.do("alice", "GET", "/", nil, nil))
	check("ListBuckets", asked{alice, access.ListAllMyBuckets, access.Resource{}})
	s.ok("alice copies", s.do("alice", "PUT", "/alice-bkt/c", http.Header{"X-Amz-Copy-Source": {"/alice-bkt/k"}}, nil))
	check("CopyObject",
		asked{alice, access.PutObject, access.Resource{Bucket: "alice-bkt", Owner: "alice+acl", Key: "c"}},
		asked{alice, access.GetObject, access.Resource{Bucket: "alice-bkt", Owner: "alice+acl", Key: "k"}})
	s.want("bob reads", s.do("bob", "GET", "/alice-bkt/k", nil, nil), http.StatusForbidden, "AccessDenied")
	check("bob's GetObject", asked{bob, access.GetObject, access.Resource{Bucket: "alice-bkt", Owner: "alice+acl", Key: "k+objectacl"}})
	s.want("bob reads a missing bucket", s.do("bob", "GET", "/none/k", nil, nil), http.StatusNotFound, "NoSuchBucket")
	check("GetObject of a missing bucket")
	if a := s.do("alice", "GET", AdminPrefix+"placements", nil, nil); a.status != http.StatusForbidden || !strings.Contains(string(a.body), `"code": "AccessDenied"`) {
		t.Errorf("alice's admin request = %d %s, want 403 AccessDenied", a.status, a.body)
	}
	check("admin", asked{alice, access.AdminRead, access.Resource{}})

	// A rule that also lets bob read alice's objects: no handler changes.
	rec.rule = access.AuthorizerFunc(func(p access.Principal, a access.Action, r access.Resource, rc access.RequestContext) access.Decision {
		if p.Owner == "bob" && a == access.GetObject && r.Owner == "alice" {
			return access.Allow
		}
		return access.Authorize(p, a, r, rc)
	})
	if a := s.do("bob", "GET", "/alice-bkt/k", nil, nil); a.status != 200 || string(a.body) != "data" {
		t.Errorf("bob's GET with the rule allowing it = %d %q", a.status, a.body)
	}
	s.want("bob's PUT with the rule", s.do("bob", "PUT", "/alice-bkt/k", nil, []byte("x")), http.StatusForbidden, "AccessDenied")
	s.ok("bob creates his bucket", s.do("bob", "PUT", "/bob-bkt", nil, nil))
	s.ok("bob copies alice's object with the rule", s.do("bob", "PUT", "/bob-bkt/c", http.Header{"X-Amz-Copy-Source": {"/alice-bkt/k"}}, nil))
	rec.take()

	// A rule that denies everything denies everything.
	rec.rule = access.AuthorizerFunc(func(access.Principal, access.Action, access.Resource, access.RequestContext) access.Decision {
		return access.Deny
	})
	for _, c := range []struct{ method, target string }{{"GET", "/"}, {"PUT", "/new-bkt"}, {"GET", "/alice-bkt/k"}, {"GET", "/alice-bkt"}} {
		s.want("alice "+c.method+" "+c.target+" when all is denied", s.do("alice", c.method, c.target, nil, nil), http.StatusForbidden, "AccessDenied")
	}
}
