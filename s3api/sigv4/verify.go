package sigv4

import (
	"crypto/hmac"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dolium/dolium/s3api/s3err"
)

// Credentials looks up secrets by access key.
type Credentials interface {
	// SecretFor returns the secret key and owner of accessKey, and false
	// if the key is unknown.
	SecretFor(accessKey string) (secret string, owner string, ok bool)
}

// Auth is the outcome of a successful Verify.
type Auth struct {
	AccessKey string
	Owner     string
	Region    string
	Service   string
	Date      time.Time // the request time (X-Amz-Date or Date)
	Scope     string    // "date/region/service/aws4_request"
	// SigningKey and Signature seed the verification of aws-chunked
	// bodies (see NewChunkedReader).
	SigningKey []byte
	Signature  string
	// PayloadHash is the x-amz-content-sha256 value: a hex digest or one
	// of the sentinel constants. Presigned requests carry UnsignedPayload
	// unless the X-Amz-Content-Sha256 query parameter says otherwise.
	PayloadHash string
	Presigned   bool
	// Anonymous is set, and every other field empty, when the request
	// carries no authentication at all. The caller decides whether to
	// allow it.
	Anonymous bool
}

// parsedAuth is what both the header and the query form provide.
type parsedAuth struct {
	accessKey, scopeDate, region, service string
	signedHeaders                         []string
	signature                             string
	date                                  time.Time
	payloadHash                           string
	presigned                             bool
}

// Verify checks the SigV4 signature of r, made either with the
// Authorization header or with presigned query parameters, against the
// server's region at time now. It reads neither r.Body nor anything but
// r's method, URL, Host and Header. Failures are *s3err.Error.
func Verify(r *http.Request, creds Credentials, region string, now time.Time) (*Auth, error) {
	header := r.Header.Get("Authorization")
	query := queryParams(r.URL.RawQuery)
	_, presigned := query["X-Amz-Algorithm"]
	if _, ok := query["X-Amz-Signature"]; ok {
		presigned = true
	}
	var (
		p   *parsedAuth
		err error
	)
	switch {
	case header != "" && presigned:
		return nil, s3err.InvalidArgument.With("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case header != "":
		p, err = parseHeaderAuth(r, header, now)
	case presigned:
		p, err = parsePresigned(query, now)
	case query["AWSAccessKeyId"] != "" || query["Signature"] != "":
		return nil, s3err.InvalidRequest.With("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
	default:
		return &Auth{Anonymous: true}, nil
	}
	if err != nil {
		return nil, err
	}
	return check(r, p, creds, region)
}

// check validates the scope, looks up the secret and compares signatures.
func check(r *http.Request, p *parsedAuth, creds Credentials, region string) (*Auth, error) {
	malformed := s3err.AuthorizationHeaderMalformed
	if p.presigned {
		malformed = s3err.AuthorizationQueryParametersError
	}
	if p.region != region {
		return nil, malformed.With("The authorization header is malformed; the region '" + p.region + "' is wrong; expecting '" + region + "'")
	}
	if p.service != "s3" {
		return nil, malformed.With("The authorization header is malformed; incorrect service '" + p.service + "'. This endpoint belongs to 's3'.")
	}
	if p.scopeDate != p.date.Format(DateFormat) {
		return nil, malformed.With("The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	if !contains(p.signedHeaders, "host") {
		return nil, malformed.With("The authorization header is malformed; the signed headers must include host.")
	}
	if name, ok := unsignedAmzHeader(r.Header, p.signedHeaders, p.presigned); ok {
		return nil, s3err.AccessDenied.With("There were headers present in the request which were not signed: " + name)
	}
	secret, owner, ok := creds.SecretFor(p.accessKey)
	if !ok {
		return nil, s3err.InvalidAccessKeyID.With(s3err.InvalidAccessKeyID.Message)
	}
	var exclude []string
	if p.presigned {
		exclude = []string{"X-Amz-Signature"}
	}
	canonical := CanonicalRequest(r.Method,
		CanonicalURI(r.URL.EscapedPath()),
		CanonicalQuery(r.URL.RawQuery, exclude...),
		canonicalHeaders(r, p.signedHeaders),
		strings.Join(p.signedHeaders, ";"),
		p.payloadHash)
	scope := Scope(p.scopeDate, p.region, p.service)
	key := SigningKey(secret, p.scopeDate, p.region, p.service)
	want := Signature(key, StringToSign(p.date, scope, sha256Hex([]byte(canonical))))
	if !hmac.Equal([]byte(want), []byte(p.signature)) {
		return nil, s3err.SignatureDoesNotMatch.With(s3err.SignatureDoesNotMatch.Message)
	}
	return &Auth{
		AccessKey:   p.accessKey,
		Owner:       owner,
		Region:      p.region,
		Service:     p.service,
		Date:        p.date,
		Scope:       scope,
		SigningKey:  key,
		Signature:   p.signature,
		PayloadHash: p.payloadHash,
		Presigned:   p.presigned,
	}, nil
}

// unsignedAmzHeader returns the name of an x-amz-* header present in h but
// not signed. S3 requires every x-amz-* header to be signed, so that none
// can be added to a signed request. A presigned request may carry an
// unsigned x-amz-content-sha256, which is then ignored.
func unsignedAmzHeader(h http.Header, signed []string, presigned bool) (string, bool) {
	for name := range h {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, "x-amz-") || contains(signed, lower) {
			continue
		}
		if presigned && lower == "x-amz-content-sha256" {
			continue
		}
		return lower, true
	}
	return "", false
}

// canonicalHeaders returns "name:value\n" for each signed header, in the
// order signed. Host comes from r.Host; repeated headers are joined with
// ','. Content-Length and Transfer-Encoding, which net/http moves out of
// the header map, are taken from r.
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		var values []string
		switch name {
		case "host":
			values = []string{r.Host}
			if r.Host == "" {
				values = []string{r.URL.Host}
			}
		default:
			values = r.Header.Values(name)
			if len(values) == 0 && name == "content-length" && r.ContentLength > 0 {
				values = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
			if len(values) == 0 && name == "transfer-encoding" {
				values = r.TransferEncoding
			}
		}
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(CanonicalHeaderValue(v))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// parseHeaderAuth reads the Authorization header form.
func parseHeaderAuth(r *http.Request, header string, now time.Time) (*parsedAuth, error) {
	if !strings.HasPrefix(header, Algorithm+" ") {
		return nil, s3err.InvalidRequest.With("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
	}
	ak, scopeDate, region, service, signed, sig, err := ParseAuthorization(header)
	if err != nil {
		return nil, err
	}
	date, err := requestTime(r.Header)
	if err != nil {
		return nil, err
	}
	if skew := now.Sub(date); skew > MaxSkew || skew < -MaxSkew {
		return nil, s3err.RequestTimeTooSkewed.With(s3err.RequestTimeTooSkewed.Message)
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		return nil, s3err.InvalidRequest.With("Missing required header for this request: x-amz-content-sha256")
	}
	if !ValidPayloadHash(payload) {
		return nil, s3err.InvalidArgument.With("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
	}
	return &parsedAuth{
		accessKey: ak, scopeDate: scopeDate, region: region, service: service,
		signedHeaders: signed, signature: sig, date: date, payloadHash: payload,
	}, nil
}

// requestTime reads X-Amz-Date, falling back to Date.
func requestTime(h http.Header) (time.Time, error) {
	if v := h.Get("X-Amz-Date"); v != "" {
		t, err := time.Parse(TimeFormat, v)
		if err != nil {
			return time.Time{}, s3err.AccessDenied.With("AWS authentication requires a valid Date or x-amz-date header")
		}
		return t, nil
	}
	if v := h.Get("Date"); v != "" {
		t, err := http.ParseTime(v)
		if err != nil {
			return time.Time{}, s3err.AccessDenied.With("AWS authentication requires a valid Date or x-amz-date header")
		}
		return t.UTC(), nil
	}
	return time.Time{}, s3err.AccessDenied.With("AWS authentication requires a valid Date or x-amz-date header")
}

// ValidPayloadHash reports whether v is an acceptable x-amz-content-sha256
// value: 64 hex digits or one of the sentinel constants.
func ValidPayloadHash(v string) bool {
	switch v {
	case UnsignedPayload, StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedPayloadTrailer:
		return true
	}
	if len(v) != 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !isHex(v[i]) {
			return false
		}
	}
	return true
}

// ParseAuthorization parses an Authorization header value:
//
//	AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,
//	SignedHeaders=host;range;x-amz-date, Signature=<64 hex>
//
// The three components may come in any order, separated by commas and/or
// white space. The error is an *s3err.Error with code AuthorizationHeaderMalformed.
func ParseAuthorization(h string) (accessKey, scopeDate, region, service string, signedHeaders []string, signature string, err error) {
	malformed := func(why string) error {
		return s3err.AuthorizationHeaderMalformed.With("The authorization header is malformed; " + why)
	}
	rest, ok := strings.CutPrefix(h, Algorithm)
	if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return "", "", "", "", nil, "", malformed("the authorization header requires the algorithm " + Algorithm + ".")
	}
	fields := map[string]string{}
	for _, f := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return "", "", "", "", nil, "", malformed("the authorization component " + strconv.Quote(f) + " is malformed.")
		}
		switch k {
		case "Credential", "SignedHeaders", "Signature":
		default:
			return "", "", "", "", nil, "", malformed("unknown component " + strconv.Quote(k) + ".")
		}
		if _, dup := fields[k]; dup {
			return "", "", "", "", nil, "", malformed("the component " + k + " is repeated.")
		}
		fields[k] = v
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[k] == "" {
			return "", "", "", "", nil, "", malformed("the authorization header requires a " + k + " component.")
		}
	}
	accessKey, scopeDate, region, service, why := parseCredential(fields["Credential"])
	if why != "" {
		return "", "", "", "", nil, "", malformed(why)
	}
	signedHeaders, why = parseSignedHeaders(fields["SignedHeaders"])
	if why != "" {
		return "", "", "", "", nil, "", malformed(why)
	}
	signature = fields["Signature"]
	if !validSignature(signature) {
		return "", "", "", "", nil, "", malformed("the signature must be 64 lower-case hex digits.")
	}
	return accessKey, scopeDate, region, service, signedHeaders, signature, nil
}

// parseCredential splits "AK/date/region/service/aws4_request"; why is
// empty on success.
func parseCredential(c string) (accessKey, date, region, service, why string) {
	parts := strings.Split(c, "/")
	n := len(parts)
	if n < 5 {
		return "", "", "", "", "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."
	}
	accessKey = strings.Join(parts[:n-4], "/")
	date, region, service = parts[n-4], parts[n-3], parts[n-2]
	if parts[n-1] != "aws4_request" {
		return "", "", "", "", "incorrect terminal " + strconv.Quote(parts[n-1]) + ". This endpoint uses \"aws4_request\"."
	}
	if accessKey == "" || region == "" || service == "" {
		return "", "", "", "", "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."
	}
	if _, err := time.Parse(DateFormat, date); err != nil || len(date) != 8 {
		return "", "", "", "", "invalid credential date " + strconv.Quote(date) + "."
	}
	return accessKey, date, region, service, ""
}

// parseSignedHeaders splits "a;b;c" into lower-case, non-empty names.
func parseSignedHeaders(s string) ([]string, string) {
	names := strings.Split(s, ";")
	for _, n := range names {
		if n == "" || n != strings.ToLower(n) {
			return nil, "invalid SignedHeaders " + strconv.Quote(s) + "."
		}
	}
	return names, ""
}

func validSignature(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// queryParams returns the first value of each raw query parameter,
// unescaped.
func queryParams(rawQuery string) map[string]string {
	m := map[string]string{}
	for _, p := range strings.Split(rawQuery, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		k = unescape(k, true)
		if _, seen := m[k]; !seen {
			m[k] = unescape(v, true)
		}
	}
	return m
}

// parsePresigned reads the presigned query form.
func parsePresigned(q map[string]string, now time.Time) (*parsedAuth, error) {
	bad := func(msg string) error { return s3err.AuthorizationQueryParametersError.With(msg) }
	if q["X-Amz-Algorithm"] != Algorithm {
		return nil, bad("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
	}
	for _, k := range []string{"X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		if q[k] == "" {
			return nil, bad("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	ak, scopeDate, region, service, why := parseCredential(q["X-Amz-Credential"])
	if why != "" {
		return nil, bad("Error parsing the X-Amz-Credential parameter; " + why)
	}
	signed, why := parseSignedHeaders(q["X-Amz-SignedHeaders"])
	if why != "" {
		return nil, bad(why)
	}
	if !validSignature(q["X-Amz-Signature"]) {
		return nil, bad("X-Amz-Signature must be 64 lower-case hex digits.")
	}
	date, err := time.Parse(TimeFormat, q["X-Amz-Date"])
	if err != nil {
		return nil, bad("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	expires, err := strconv.ParseInt(q["X-Amz-Expires"], 10, 64)
	if err != nil || expires < 1 {
		return nil, bad("X-Amz-Expires should be a number between 1 and 604800 seconds")
	}
	if expires > MaxExpires {
		return nil, bad("X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	if date.Sub(now) > MaxSkew {
		return nil, s3err.RequestTimeTooSkewed.With("Request is not valid yet: X-Amz-Date is in the future.")
	}
	if now.After(date.Add(time.Duration(expires) * time.Second)) {
		return nil, s3err.AccessDenied.With("Request has expired")
	}
	payload := UnsignedPayload
	if v, ok := q["X-Amz-Content-Sha256"]; ok {
		if !ValidPayloadHash(v) {
			return nil, s3err.InvalidArgument.With("X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.")
		}
		payload = v
	}
	return &parsedAuth{
		accessKey: ak, scopeDate: scopeDate, region: region, service: service,
		signedHeaders: signed, signature: q["X-Amz-Signature"], date: date,
		payloadHash: payload, presigned: true,
	}, nil
}
