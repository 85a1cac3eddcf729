package postpolicy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/dolium/dolium/s3api/s3err"
	"github.com/dolium/dolium/s3api/sigv2"
	"github.com/dolium/dolium/s3api/sigv4"
)

// VerifySignature checks the form's signature of its policy field:
// SigV4 (x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature)
// for region, or SigV2 (awsaccesskeyid, signature). fields has lower-case
// names. A form with no signature fields is anonymous. The returned Auth
// has PayloadHash sigv4.UnsignedPayload (the policy, not a digest, bounds
// the file).
func VerifySignature(fields map[string]string, creds sigv4.Credentials, region string) (*sigv4.Auth, error) {
	_, v4 := fields["x-amz-signature"]
	_, v2 := fields["signature"]
	if _, ok := fields["x-amz-algorithm"]; ok {
		v4 = true
	}
	if _, ok := fields["awsaccesskeyid"]; ok {
		v2 = true
	}
	switch {
	case v4 && v2:
		return nil, s3err.InvalidArgument.With("Only one auth mechanism allowed; only the x-amz-algorithm or the AWSAccessKeyId field should be specified.")
	case !v4 && !v2:
		return &sigv4.Auth{Anonymous: true}, nil
	}
	policy, ok := fields["policy"]
	if !ok {
		return nil, s3err.InvalidArgument.With("Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields.")
	}
	if v2 {
		ak, sig := fields["awsaccesskeyid"], fields["signature"]
		if ak == "" || sig == "" {
			return nil, s3err.InvalidArgument.With("Bucket POST must contain a field named 'AWSAccessKeyId' and one named 'signature'.  If they are specified, please check the order of the fields.")
		}
		secret, owner, ok := creds.SecretFor(ak)
		if !ok {
			return nil, s3err.InvalidAccessKeyID.With(s3err.InvalidAccessKeyID.Message)
		}
		if !hmac.Equal([]byte(sigv2.Sign(secret, policy)), []byte(sig)) {
			return nil, s3err.SignatureDoesNotMatch.With(s3err.SignatureDoesNotMatch.Message)
		}
		return &sigv4.Auth{AccessKey: ak, Owner: owner, Service: "s3", Signature: sig, PayloadHash: sigv4.UnsignedPayload}, nil
	}
	for _, k := range []string{"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"} {
		if fields[k] == "" {
			return nil, s3err.InvalidArgument.With("Bucket POST must contain a field named '" + k + "'.  If it is specified, please check the order of the fields.")
		}
	}
	if fields["x-amz-algorithm"] != sigv4.Algorithm {
		return nil, s3err.InvalidArgument.With("The value of x-amz-algorithm is not supported; use " + sigv4.Algorithm + ".")
	}
	parts := strings.Split(fields["x-amz-credential"], "/")
	n := len(parts)
	if n < 5 || parts[n-1] != "aws4_request" {
		return nil, s3err.InvalidArgument.With("Invalid x-amz-credential: expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
	}
	ak, date, reg, service := strings.Join(parts[:n-4], "/"), parts[n-4], parts[n-3], parts[n-2]
	if reg != region {
		return nil, s3err.AuthorizationQueryParametersError.With("Error parsing the X-Amz-Credential parameter; the region '" + reg + "' is wrong; expecting '" + region + "'")
	}
	if service != "s3" {
		return nil, s3err.AuthorizationQueryParametersError.With("Error parsing the X-Amz-Credential parameter; incorrect service '" + service + "'. This endpoint belongs to 's3'.")
	}
	t, err := time.Parse(sigv4.TimeFormat, fields["x-amz-date"])
	if err != nil || t.Format(sigv4.DateFormat) != date {
		return nil, s3err.InvalidArgument.With("Invalid x-amz-date: it must be in ISO8601 basic format and of the credential's date.")
	}
	secret, owner, ok := creds.SecretFor(ak)
	if !ok {
		return nil, s3err.InvalidAccessKeyID.With(s3err.InvalidAccessKeyID.Message)
	}
	key := sigv4.SigningKey(secret, date, reg, service)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(policy))
	want := hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(fields["x-amz-signature"]))) {
		return nil, s3err.SignatureDoesNotMatch.With(s3err.SignatureDoesNotMatch.Message)
	}
	return &sigv4.Auth{AccessKey: ak, Owner: owner, Region: reg, Service: service, Date: t,
		Scope: sigv4.Scope(date, reg, service), Signature: fields["x-amz-signature"], PayloadHash: sigv4.UnsignedPayload}, nil
}
