package s3api

import (
	"errors"
	"io"
	"net/http"

	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/s3api/s3err"
)

// The identity admin operations (root only, like every admin operation),
// on the users and access keys every gateway on the store shares:
//
//	GET    /_dolium/admin/users                           every user
//	POST   /_dolium/admin/users?name=N[&owner=O][&display-name=D]
//	                                                      add a user (owner defaults to N)
//	DELETE /_dolium/admin/users?name=N                    remove a user without keys
//	GET    /_dolium/admin/keys[?user=U]                   access keys (no secrets)
//	POST   /_dolium/admin/keys?user=U                     a new key; the answer holds its secret
//	PUT    /_dolium/admin/keys?access-key=K&status=S      Active or Inactive
//	DELETE /_dolium/admin/keys?access-key=K               delete a key
//	GET    /_dolium/admin/policy?user=U                   the user's identity policy
//	PUT    /_dolium/admin/policy?user=U                   attach (the body: a JSON policy document)
//	DELETE /_dolium/admin/policy?user=U                   detach
//
// Errors are IAM's codes: NoSuchEntity (404), EntityAlreadyExists and
// DeleteConflict (409), InvalidInput (400).
const (
	OpAdminListUsers    OpName = "AdminListUsers"
	OpAdminCreateUser   OpName = "AdminCreateUser"
	OpAdminDeleteUser   OpName = "AdminDeleteUser"
	OpAdminListKeys     OpName = "AdminListKeys"
	OpAdminCreateKey    OpName = "AdminCreateKey"
	OpAdminSetKeyStatus OpName = "AdminSetKeyStatus"
	OpAdminDeleteKey    OpName = "AdminDeleteKey"
	OpAdminGetPolicy    OpName = "AdminGetPolicy"
	OpAdminAttachPolicy OpName = "AdminAttachPolicy"
	OpAdminDetachPolicy OpName = "AdminDetachPolicy"
)

// identityRoutes names the identity admin operations by endpoint and method.
var identityRoutes = map[string]map[string]OpName{
	"users": {http.MethodGet: OpAdminListUsers, http.MethodPost: OpAdminCreateUser, http.MethodDelete: OpAdminDeleteUser},
	"keys": {http.MethodGet: OpAdminListKeys, http.MethodPost: OpAdminCreateKey, http.MethodPut: OpAdminSetKeyStatus,
		http.MethodDelete: OpAdminDeleteKey},
	"policy": {http.MethodGet: OpAdminGetPolicy, http.MethodPut: OpAdminAttachPolicy, http.MethodDelete: OpAdminDetachPolicy},
}

// identityMethods says which methods an identity endpoint takes.
var identityMethods = map[string]string{"users": "GET, POST or DELETE", "keys": "GET, POST, PUT or DELETE", "policy": "GET, PUT or DELETE"}

// routeIdentityAdmin names the operation of an identity endpoint; ok is
// false for the other endpoints.
func routeIdentityAdmin(method, endpoint string) (OpName, bool) {
	ms, ok := identityRoutes[endpoint]
	if !ok {
		return "", false
	}
	if op, ok := ms[method]; ok {
		return op, true
	}
	return OpAdminMethodNotAllowed, true
}

// identityOperations are the operation table's entries of the identity
// admin operations.
func identityOperations() []operation {
	return []operation{
		{name: OpAdminListUsers, action: access.AdminRead, handle: acting(adminListUsers)},
		{name: OpAdminCreateUser, action: access.AdminWrite, handle: acting(adminCreateUser), query: []string{"name", "owner", "display-name"}},
		{name: OpAdminDeleteUser, action: access.AdminWrite, handle: acting(adminDeleteUser), query: []string{"name"}},
		{name: OpAdminListKeys, action: access.AdminRead, handle: acting(adminListKeys), query: []string{"user"}},
		{name: OpAdminCreateKey, action: access.AdminWrite, handle: acting(adminCreateKey), query: []string{"user"}},
		{name: OpAdminSetKeyStatus, action: access.AdminWrite, handle: acting(adminSetKeyStatus), query: []string{"access-key", "status"}},
		{name: OpAdminDeleteKey, action: access.AdminWrite, handle: acting(adminDeleteKey), query: []string{"access-key"}},
		{name: OpAdminGetPolicy, action: access.AdminRead, handle: acting(adminGetPolicy), query: []string{"user"}},
		{name: OpAdminAttachPolicy, action: access.AdminWrite, handle: acting(adminAttachPolicy), query: []string{"user"}},
		{name: OpAdminDetachPolicy, action: access.AdminWrite, handle: acting(adminDetachPolicy), query: []string{"user"}},
	}
}

func (s *Server) directory() (access.Directory, error) {
	if s.idents == nil {
		return nil, s3err.NotImplemented.With("this gateway keeps no identities in its store")
	}
	return s.idents, nil
}

// identityFailed maps a Directory's error to its answer.
func (s *Server) identityFailed(r *request, err error) error {
	iamErr := func(code string, status int) error {
		return &s3err.Error{Code: code, Status: status, Message: err.Error()}
	}
	switch {
	case errors.Is(err, access.ErrNoSuchUser), errors.Is(err, access.ErrNoSuchKey):
		return iamErr("NoSuchEntity", http.StatusNotFound)
	case errors.Is(err, access.ErrUserExists):
		return iamErr("EntityAlreadyExists", http.StatusConflict)
	case errors.Is(err, access.ErrUserHasKeys):
		return iamErr("DeleteConflict", http.StatusConflict)
	case errors.Is(err, access.ErrInvalid):
		return iamErr("InvalidInput", http.StatusBadRequest)
	}
	return s.adminFailed(r, "identity operation", err)
}

// identityOp runs f with the directory and answers its result as JSON.
func identityOp(s *Server, r *request, f func(d access.Directory) (any, error)) (*response, error) {
	d, err := s.directory()
	if err != nil {
		return nil, err
	}
	v, err := f(d)
	if err != nil {
		return nil, s.identityFailed(r, err)
	}
	return &response{json: v}, nil
}

func adminListUsers(s *Server, r *request) (*response, error) {
	return identityOp(s, r, func(d access.Directory) (any, error) {
		us, err := d.ListUsers(r.Context())
		return map[string]any{"users": us}, err
	})
}

func adminCreateUser(s *Server, r *request) (*response, error) {
	q := r.URL.Query()
	return identityOp(s, r, func(d access.Directory) (any, error) {
		return d.CreateUser(r.Context(), q.Get("name"), q.Get("owner"), q.Get("display-name"))
	})
}

func adminDeleteUser(s *Server, r *request) (*response, error) {
	return identityOp(s, r, func(d access.Directory) (any, error) {
		name := r.URL.Query().Get("name")
		return map[string]string{"deleted": name}, d.DeleteUser(r.Context(), name)
	})
}

func adminListKeys(s *Server, r *request) (*response, error) {
	return identityOp(s, r, func(d access.Directory) (any, error) {
		ks, err := d.ListKeys(r.Context(), r.URL.Query().Get("user"))
		return map[string]any{"keys": ks}, err
	})
}

func adminCreateKey(s *Server, r *request) (*response, error) {
	return identityOp(s, r, func(d access.Directory) (any, error) {
		return d.CreateKey(r.Context(), r.URL.Query().Get("user"))
	})
}

func adminSetKeyStatus(s *Server, r *request) (*response, error) {
	q := r.URL.Query()
	return identityOp(s, r, func(d access.Directory) (any, error) {
		return d.SetKeyStatus(r.Context(), q.Get("access-key"), q.Get("status"))
	})
}

func adminDeleteKey(s *Server, r *request) (*response, error) {
	return identityOp(s, r, func(d access.Directory) (any, error) {
		k := r.URL.Query().Get("access-key")
		return map[string]string{"deleted": k}, d.DeleteKey(r.Context(), k)
	})
}

func adminGetPolicy(s *Server, r *request) (*response, error) {
	return identityOp(s, r, func(d access.Directory) (any, error) {
		return d.GetUser(r.Context(), r.URL.Query().Get("user"))
	})
}

// maxPolicyBody bounds the attach request's body (the directory checks
// the document's own limit).
const maxPolicyBody = 64 << 10

func adminAttachPolicy(s *Server, r *request) (*response, error) {
	b, err := io.ReadAll(io.LimitReader(r.body, maxPolicyBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxPolicyBody {
		return nil, &s3err.Error{Code: "LimitExceeded", Status: http.StatusBadRequest, Message: "the policy document is too large"}
	}
	if err := verifySmallBody(r, b); err != nil {
		return nil, err
	}
	return identityOp(s, r, func(d access.Directory) (any, error) {
		return d.AttachPolicy(r.Context(), r.URL.Query().Get("user"), b)
	})
}

func adminDetachPolicy(s *Server, r *request) (*response, error) {
	return identityOp(s, r, func(d access.Directory) (any, error) {
		return d.DetachPolicy(r.Context(), r.URL.Query().Get("user"))
	})
}
