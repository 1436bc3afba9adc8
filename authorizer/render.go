package authorizer

import (
	"fmt"
	"slices"

	"github.com/aws/aws-lambda-go/events"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Responses are typed structs encoded by encoding/json/v2; the policy
// document is aws-lambda-go's. The context is a struct, not events'
// map[string]any: its members are fixed strings (docs/protocol.md#context-keys).

// policyResponse is the answer to a payload 1.0 event: the shape of
// events.APIGatewayCustomAuthorizerResponse.
type policyResponse struct {
	PrincipalID    string                                  `json:"principalId"`
	PolicyDocument events.APIGatewayCustomAuthorizerPolicy `json:"policyDocument"`
	Context        responseContext                         `json:"context"`
	backing        policyBacking
}

// simpleResponse is the answer to a payload 2.0 event: the shape of
// events.APIGatewayV2CustomAuthorizerSimpleResponse.
type simpleResponse struct {
	IsAuthorized bool            `json:"isAuthorized"`
	Context      responseContext `json:"context"`
}

// responses is where render builds the response it encodes: a struct of
// the invocation (invocation), not one allocated per call. render assigns
// the one it uses whole, so nothing of an earlier response survives in it.
type responses struct {
	policy policyResponse
	simple simpleResponse
}

// responseContext is the context of an Allow or a Deny. Its JSON names are
// the Ctx constants (TestResponseContextNames), in sorted order.
type responseContext struct {
	AccessToken string   `json:"accessToken"`    // bearer requests only; never logged
	Body        string   `json:"body,omitempty"` // Deny only
	Claims      jsonText `json:"claims"`
	FrontToken  string   `json:"frontToken"`
	Roles       string   `json:"roles"`
	SessionID   string   `json:"sessionId"`
	SetCookie   string   `json:"setCookie"`
	UserID      string   `json:"userId"`
}

// BadEventBody is the 403 body (context key body) of a BadEventResponse.
const BadEventBody = `{"message":"unsupported authorizer event"}`

// BadEventPrincipal is the principalId of a BadEventResponse. API Gateway
// requires a non-empty principalId even with a Deny; it never reaches an
// integration, because a Deny never invokes one.
const BadEventPrincipal = "bad-event"

// BadEventResponse is the answer to an event the handler cannot read. Its
// payload version is unknown, so the one response denies under every format
// API Gateway may read it as: an IAM policy that denies everything and
// isAuthorized false. Each gives a 403 (doc.go says why not 401 or 500).
type BadEventResponse struct {
	PrincipalID    string                                  `json:"principalId"`
	PolicyDocument events.APIGatewayCustomAuthorizerPolicy `json:"policyDocument"`
	IsAuthorized   bool                                    `json:"isAuthorized"`
	Context        struct {
		Body string `json:"body"`
	} `json:"context"`
}

// badEventResponse is the one BadEventResponse: a Deny of "*", which is the
// one policy that names no ARN (the event's cannot be trusted).
func badEventResponse() BadEventResponse {
	r := BadEventResponse{PrincipalID: BadEventPrincipal, PolicyDocument: new(policyBacking).policy(Deny, "*")}
	r.Context.Body = BadEventBody
	return r
}

// Bodies of a Deny.
const (
	csrfBody        = `{"message":"anti-csrf check failed"}`
	claimMessage    = "invalid claim"
	emptyClaimsBody = `{"message":"invalid claim","claimValidationErrors":[]}`
)

// encodeOptions: no HTML escaping (v2's default, as aws-lambda-go's own
// encoder), and invalid UTF-8 becomes U+FFFD instead of failing the
// response; the session engine only hands out valid UTF-8.
var encodeOptions = jsontext.AllowInvalidUTF8(true)

// render is the one place an outcome becomes what Lambda returns to API
// Gateway (the table in doc.go; docs/protocol.md#outcomes): a response for
// allow, deny (403) and bad_event (403), ErrUnauthorized (401), or
// ErrStoreUnavailable or ErrInternal (500). The bytes returned are the
// caller's. A response that cannot be encoded (no value of these types is
// one) turns d into an internal error. The response is built in rs and
// encoded into a new slice, so rs may be reused once render returns.
func render(req *request, d *decision, rs *responses) ([]byte, error) {
	var resp any
	switch d.outcome {
	case outAllow, outDeny:
		ctx := contextFor(req, d)
		if req.payload == payloadV2 {
			// HTTP APIs answer isAuthorized:false with a bare 403 whose
			// body nobody can set (docs/apigateway.md#http-api-mapping-and-simple-responses);
			// the context is returned anyway.
			rs.simple = simpleResponse{IsAuthorized: d.outcome == outAllow, Context: ctx}
			resp = &rs.simple
		} else {
			effect := Allow
			if d.outcome == outDeny {
				effect = Deny
			}
			r := &rs.policy
			*r = policyResponse{PrincipalID: d.v.UserID, Context: ctx}
			r.PolicyDocument = r.backing.policy(effect, req.arnText)
			resp = r
		}
	case outUnauthorized:
		return nil, ErrUnauthorized
	case outBadEvent:
		r := badEventResponse()
		resp = &r
	default: // outError
		if d.reason == reasonStore {
			return nil, ErrStoreUnavailable
		}
		return nil, ErrInternal
	}
	b, err := json.Marshal(resp, encodeOptions)
	if err != nil {
		*d = decision{outcome: outError, reason: reasonInternal, cause: fmt.Errorf("encoding the response: %w", err)}
		return nil, ErrInternal
	}
	return b, nil
}

// contextFor builds the context of an Allow or a Deny
// (docs/protocol.md#context-keys): strings only. A rotated access token
// goes back the way the request presented it: as a Set-Cookie line
// (setCookie) to a cookie request, as the bare token (accessToken, which
// the definitions map to st-access-token) to a bearer request, which must
// not be handed a cookie. frontToken goes to both.
func contextFor(req *request, d *decision) responseContext {
	v := d.v
	c := responseContext{
		Claims:     claimsValue(v.Claims),
		FrontToken: v.FrontToken,
		Roles:      RolesValue(v.Roles),
		SessionID:  v.SessionID,
		UserID:     v.UserID,
	}
	switch {
	case v.SetCookie == nil:
	case req.cred == credBearer:
		c.AccessToken = v.SetCookie.Value
	default:
		c.SetCookie = v.SetCookie.String()
	}
	switch d.reason {
	case reasonCSRF:
		c.Body = csrfBody
	case reasonClaims:
		c.Body = claimBody(d.claims)
	}
	return c
}

// claimsValue is the context's claims value: the claims' JSON text, "{}"
// when the session has none, "" when they exceed MaxContextClaimsBytes.
func claimsValue(c []byte) jsonText {
	switch {
	case len(c) == 0:
		return jsonText("{}")
	case len(c) > MaxContextClaimsBytes:
		return nil
	}
	return c
}

// jsonText is JSON text (the claims) encoded as a JSON string, quoted
// where it is without first becoming a Go string.
type jsonText []byte

func (t jsonText) MarshalJSONTo(enc *jsontext.Encoder) error {
	var buf [MaxContextClaimsBytes + 64]byte
	q, _ := jsontext.AppendQuote(buf[:0], t) // invalid UTF-8 becomes U+FFFD, as in every string
	return enc.WriteValue(q)
}

// claimsBody is the 403 body of failed route rules (SuperTokens' shape).
type claimsBody struct {
	Message string                 `json:"message"`
	Errors  []ClaimValidationError `json:"claimValidationErrors"`
}

// claimBody renders the 403 body of failed rules within MaxBodyBytes:
// without the actual values if it must, then with fewer errors.
func claimBody(errs []ClaimValidationError) string {
	b, err := json.Marshal(claimsBody{claimMessage, errs}, encodeOptions)
	if err == nil && len(b) <= MaxBodyBytes {
		return string(b)
	}
	slim := slices.Clone(errs)
	for i := range slim {
		slim[i].Reason.ActualValue = nil
	}
	for n := len(slim); n > 0; n-- {
		b, err = json.Marshal(claimsBody{claimMessage, slim[:n]}, encodeOptions)
		if err == nil && len(b) <= MaxBodyBytes {
			return string(b)
		}
	}
	return emptyClaimsBody
}
