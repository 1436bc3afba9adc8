package authorizer

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadARN is wrapped by every error of ParseMethodARN.
var ErrBadARN = errors.New("authorizer: malformed method ARN")

// MaxARNBytes is API Gateway's limit on the method ARN of an authorized
// method (longer request paths are refused with 414 before the authorizer).
const MaxARNBytes = 1600

// MethodARN is a parsed execute-api ARN, the methodArn of a REST (v1) event
// or the routeArn of an HTTP API (2.0) event:
//
//	arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<resource path>
//
// Every part is kept exactly as the input had it, so String gives back the
// input and a policy built from it names exactly the method that was called.
type MethodARN struct {
	Partition string // "aws", "aws-cn", "aws-us-gov", …
	Region    string // "us-east-1"
	AccountID string // 12 digits
	APIID     string // the API's id
	Stage     string // the stage name ("$default" on HTTP APIs)
	Method    string // "GET", …, "*" or "ANY"
	Resource  string // the request path without its leading '/', may be empty

	slash bool // the input had a '/' after the method (root resource: ".../GET/")
}

// ParseMethodARN parses and checks an execute-api ARN: at most MaxARNBytes,
// partition "aws" or "aws-<name>", a 12-digit account, a non-empty region,
// API id and stage, and "*" or an upper-case method.
func ParseMethodARN(s string) (MethodARN, error) {
	var a MethodARN
	if len(s) > MaxARNBytes {
		return a, fmt.Errorf("%w: longer than %d bytes", ErrBadARN, MaxARNBytes)
	}
	// strings.SplitN(s, ":", 6) and strings.SplitN(parts[5], "/", 4),
	// without allocating the slices.
	var parts [6]string
	rest, n := s, 0
	for ; n < len(parts)-1; n++ {
		var ok bool
		if parts[n], rest, ok = strings.Cut(rest, ":"); !ok {
			break
		}
	}
	parts[n] = rest
	if n != 5 || parts[0] != "arn" {
		return a, fmt.Errorf("%w: want arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<method>/<path>", ErrBadARN)
	}
	if parts[2] != "execute-api" {
		return a, fmt.Errorf("%w: service is not execute-api", ErrBadARN)
	}
	a.Partition, a.Region, a.AccountID = parts[1], parts[3], parts[4]
	if a.Partition != "aws" && (!strings.HasPrefix(a.Partition, "aws-") || !isToken(a.Partition, lowerDigitDash)) {
		return a, fmt.Errorf("%w: bad partition", ErrBadARN)
	}
	if a.Region == "" || !isToken(a.Region, lowerDigitDash) {
		return a, fmt.Errorf("%w: bad region", ErrBadARN)
	}
	if len(a.AccountID) != 12 || !isToken(a.AccountID, digit) {
		return a, fmt.Errorf("%w: account id is not 12 digits", ErrBadARN)
	}
	api, rest, ok1 := strings.Cut(parts[5], "/")
	stage, rest, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 {
		return a, fmt.Errorf("%w: want <api>/<stage>/<method>/<path>", ErrBadARN)
	}
	a.APIID, a.Stage = api, stage
	a.Method, a.Resource, a.slash = strings.Cut(rest, "/")
	if a.APIID == "" || !isToken(a.APIID, alnum) {
		return a, fmt.Errorf("%w: bad API id", ErrBadARN)
	}
	if a.Stage == "" {
		return a, fmt.Errorf("%w: empty stage", ErrBadARN)
	}
	if a.Method != "*" && (a.Method == "" || !isToken(a.Method, upper)) {
		return a, fmt.Errorf("%w: bad method", ErrBadARN)
	}
	return a, nil
}

// String renders the ARN; for a parsed ARN it is the input.
func (a MethodARN) String() string {
	s := "arn:" + a.Partition + ":execute-api:" + a.Region + ":" + a.AccountID + ":" + a.APIID + "/" + a.Stage + "/" + a.Method
	if a.Resource != "" || a.slash {
		s += "/" + a.Resource
	}
	return s
}

type charClass func(c byte) bool

func lowerDigitDash(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' }
func digit(c byte) bool          { return c >= '0' && c <= '9' }
func alnum(c byte) bool          { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
func upper(c byte) bool          { return c >= 'A' && c <= 'Z' }

func isToken(s string, ok charClass) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}
