package authorizer

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/sessiongate/sessiongate/session"
)

// Unauthorized is the exact error message API Gateway turns into a 401.
// It is the only error text anything in sessiongate branches on.
const Unauthorized = "Unauthorized"

// Errors the handler returns. API Gateway answers 401 for ErrUnauthorized
// (its message is exactly Unauthorized) and 500 for any other error.
var (
	ErrUnauthorized = errors.New(Unauthorized)
	// ErrStoreUnavailable: the session store failed; the client gets a 500
	// and keeps its cookies. The cause is logged, never returned (it may
	// name an address).
	ErrStoreUnavailable = errors.New("authorizer: session store unavailable")
	// ErrInvalidConfig is wrapped by New's errors.
	ErrInvalidConfig = errors.New("authorizer: invalid configuration")
)

// errBadEvent wraps every reason an event is not a REQUEST authorizer event
// of payload 1.0 or 2.0 (a TOKEN authorizer, another version, a field of the
// wrong JSON type, a malformed ARN). The handler does not return it: such an
// event gets a BadEventResponse (a 403 under every response format), and
// the reason is logged with reason code "bad_event".
var errBadEvent = errors.New("authorizer: unsupported or malformed event")

// BadEventBody is the 403 body (context key body) of a BadEventResponse.
const BadEventBody = `{"message":"unsupported authorizer event"}`

// BadEventPrincipal is the principalId of a BadEventResponse. API Gateway
// requires a non-empty principalId even with a Deny; it never reaches an
// integration, because a Deny never invokes one.
const BadEventPrincipal = "bad-event"

// BadEventResponse is the answer to an event the handler cannot read. The
// payload version is unknown then, so one response denies under every
// format API Gateway may read it as: an IAM policy that denies everything
// (REST APIs, and HTTP APIs with payload 1.0 or IAM policy responses) and
// isAuthorized false (HTTP API simple responses). Each gives a 403. Not a
// 401, which would send the browser SDK into refresh-and-retry for a
// problem no refresh fixes; not a 500, which is kept for store failures.
type BadEventResponse struct {
	PrincipalID    string                                  `json:"principalId"`
	PolicyDocument events.APIGatewayCustomAuthorizerPolicy `json:"policyDocument"`
	IsAuthorized   bool                                    `json:"isAuthorized"`
	Context        map[string]any                          `json:"context"`
}

func badEventResponse() BadEventResponse {
	return BadEventResponse{
		PrincipalID: BadEventPrincipal,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: policyVersion,
			Statement: []events.IAMPolicyStatement{{
				Action: []string{InvokeAction}, Effect: string(Deny), Resource: []string{"*"},
			}},
		},
		Context: map[string]any{CtxBody: BadEventBody},
	}
}

// Size budget of the context. API Gateway limits the headers of a request
// (and so everything mapped from the context into headers) to 10240 bytes
// in total; user id, session id and roles are bounded by the session engine
// (255 bytes, 32 bytes, about 2 KB), setCookie and frontToken by the token
// format. The two values that grow with the application's data are bounded
// here:
const (
	// MaxContextClaimsBytes: custom claims whose JSON text is longer are
	// not put in the context; the claims key then holds "" (absent claims
	// are "{}"), and a log line with reason "claims_dropped" says so. The
	// request is still decided on the full claims.
	MaxContextClaimsBytes = 2048
	// MaxBodyBytes: a 403 body longer than this is rendered again without
	// the actual values, then with fewer claimValidationErrors.
	MaxBodyBytes = 2048
)

// Config configures New.
type Config struct {
	// Manager validates sessions. Required.
	Manager *session.Manager
	// Rules are the route rules (AUTHZ_RULES); the zero value has none.
	Rules Rules
	// Logger receives one JSON line per decision with only the fields
	// request_id, payload, route, outcome, reason and sid (a salted hash of
	// the session id). Default: slog JSON on os.Stderr at level Info
	// (allowed requests are logged at Debug; the metrics line counts them).
	Logger *slog.Logger
	// Metrics receives one CloudWatch Embedded Metric Format line per
	// invocation. Default os.Stdout (Lambda sends it to CloudWatch Logs,
	// which extracts the metric; no agent is needed). Writes are
	// serialised.
	Metrics io.Writer
	// Now is the clock for metric timestamps. Default time.Now.
	Now func() time.Time
	// LogSalt keys the HMAC that hides session ids in logs (LOG_SALT).
	// Default: 32 random bytes per process, so hashes correlate lines of one
	// process only.
	LogSalt []byte
}

// Handler is the REQUEST authorizer. It is safe for concurrent use; build it
// once per process with New.
type Handler struct {
	m         *session.Manager
	access    string
	rules     Rules
	log       *slog.Logger
	metrics   io.Writer
	mu        sync.Mutex // serialises metric writes; guards metricBuf
	metricBuf []byte
	now       func() time.Time
	salt      []byte
}

// New checks cfg and returns a Handler. It does no I/O.
func New(cfg Config) (*Handler, error) {
	if cfg.Manager == nil {
		return nil, fmt.Errorf("%w: Manager is required", ErrInvalidConfig)
	}
	h := &Handler{m: cfg.Manager, access: cfg.Manager.Config().AccessCookieName, rules: cfg.Rules,
		log: cfg.Logger, metrics: cfg.Metrics, now: cfg.Now, salt: cfg.LogSalt}
	if h.log == nil {
		h.log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if h.metrics == nil {
		h.metrics = os.Stdout
	}
	if h.now == nil {
		h.now = time.Now
	}
	if len(h.salt) == 0 {
		h.salt = make([]byte, 32)
		if _, err := rand.Read(h.salt); err != nil {
			return nil, fmt.Errorf("%w: log salt: %v", ErrInvalidConfig, err)
		}
	}
	return h, nil
}

// event is the union of the fields the authorizer reads from a REST REQUEST
// event (events.APIGatewayCustomAuthorizerRequestTypeRequest, also sent by
// HTTP APIs with payload format 1.0) and an HTTP API payload 2.0 event
// (events.APIGatewayV2CustomAuthorizerV2Request), under the same JSON names.
// One decode reads either; everything else in the event is skipped.
type event struct {
	Version           string         `json:"version"`
	Type              string         `json:"type"`
	MethodArn         string         `json:"methodArn"`
	RouteArn          string         `json:"routeArn"`
	Path              string         `json:"path"`
	HTTPMethod        string         `json:"httpMethod"`
	Headers           headerBag      `json:"headers"`
	MultiValueHeaders headerBag      `json:"multiValueHeaders"`
	Cookies           []string       `json:"cookies"`
	RawPath           string         `json:"rawPath"`
	RequestContext    requestContext `json:"requestContext"`
}

// requestContext is the part of an event's requestContext that event reads.
type requestContext struct {
	RequestID string `json:"requestId"`
	Stage     string `json:"stage"`
	HTTP      struct {
		Method string `json:"method"`
		Path   string `json:"path"`
	} `json:"http"`
}

// payload is the event's format.
type payload int

const (
	payloadUnknown payload = iota
	payloadV1              // REST REQUEST (or HTTP API payload 1.0): IAM policy response
	payloadV2              // HTTP API payload 2.0: simple response
)

func (p payload) String() string {
	switch p {
	case payloadV1:
		return "1.0"
	case payloadV2:
		return "2.0"
	}
	return "unknown"
}

// request is what the decision needs, taken from either payload.
type request struct {
	payload payload
	arn     MethodARN
	method  string
	path    string
	id      string
	cookies []string
	hasRID  bool
	origins []string
}

// outcome is one of contract §4's rows.
type outcome int

const (
	outAllow        outcome = iota // Allow / isAuthorized:true
	outUnauthorized                // error "Unauthorized" → 401
	outDeny                        // Deny + body → 403
	outError                       // a store failure → 500
	outBadEvent                    // BadEventResponse → 403
)

var outcomeNames = [...]string{"allow", "unauthorized", "deny", "error", "bad_event"}

func (o outcome) String() string { return outcomeNames[o] }

// decision is the one place an outcome is decided; render turns it into a
// response for the event's payload.
type decision struct {
	outcome outcome
	reason  string // reason code for logs: allow, no_session, expired, unknown, csrf, claims, store, bad_event
	v       *session.Validated
	body    string
	err     error // outError: the error returned to Lambda
	cause   error // logged (outError only; never a cookie)
}

// Handle is the Lambda handler: lambda.Start(h.Handle) or, without
// reflection, lambda.Start(h) (Handler implements lambda.Handler through
// Invoke). It detects the payload from the event itself and returns an
// events.APIGatewayCustomAuthorizerResponse (payload 1.0) or an
// events.APIGatewayV2CustomAuthorizerSimpleResponse (payload 2.0), a
// BadEventResponse for an event of neither kind (403), or an error:
// ErrUnauthorized (401) or ErrStoreUnavailable (500).
func (h *Handler) Handle(ctx context.Context, ev json.RawMessage) (any, error) {
	req, d := h.decide(ctx, ev)
	h.record(req, d)
	return render(req, d)
}

// Invoke implements lambda.Handler: JSON event in, JSON response out. It
// gives the same bytes as lambda.NewHandler(h.Handle) (no HTML escaping, no
// trailing newline) without encoding/json's reflection.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	req, d := h.decide(ctx, payload)
	h.record(req, d)
	return encodeResponse(req, d)
}

// parse decodes and checks the event.
func (h *Handler) parse(raw []byte) (request, error) {
	var ev event
	var req request
	if err := decodeEvent(raw, &ev); err != nil {
		return req, fmt.Errorf("%w: %v", errBadEvent, err)
	}
	req.id = ev.RequestContext.RequestID
	var arn string
	switch {
	case ev.Type == "TOKEN":
		return req, fmt.Errorf("%w: TOKEN authorizers are not supported; configure a REQUEST authorizer", errBadEvent)
	case ev.Type != "REQUEST":
		return req, fmt.Errorf("%w: type is not REQUEST", errBadEvent)
	case ev.Version == "2.0":
		if ev.RouteArn == "" {
			return req, fmt.Errorf("%w: payload 2.0 without routeArn", errBadEvent)
		}
		req.payload, arn = payloadV2, ev.RouteArn
		req.method = ev.RequestContext.HTTP.Method
		req.path = ev.RawPath
		if req.path == "" {
			req.path = ev.RequestContext.HTTP.Path
		}
		if st := ev.RequestContext.Stage; st != "" && st != "$default" {
			if rest, ok := strings.CutPrefix(req.path, "/"+st); ok && (rest == "" || rest[0] == '/') {
				req.path = rest
			}
		}
	case ev.Version == "" || ev.Version == "1.0":
		if ev.MethodArn == "" {
			return req, fmt.Errorf("%w: payload 1.0 without methodArn", errBadEvent)
		}
		req.payload, arn = payloadV1, ev.MethodArn
		req.method, req.path = ev.HTTPMethod, ev.Path
	default:
		return req, fmt.Errorf("%w: payload version is not 1.0 or 2.0", errBadEvent)
	}
	a, err := ParseMethodARN(arn)
	if err != nil {
		return req, fmt.Errorf("%w: %w", errBadEvent, err)
	}
	req.arn = a
	if req.method == "" {
		req.method = a.Method
	}
	if req.path == "" {
		req.path = "/" + a.Resource
	}
	req.method = strings.ToUpper(req.method)

	// Cookies: payload 2.0's cookies array, else every Cookie header.
	if req.payload == payloadV2 {
		for _, c := range ev.Cookies {
			req.cookies = AppendCookieValues(req.cookies, c, h.access, MaxCookieValues)
		}
	}
	// Headers: multiValueHeaders when the event has them (every key that
	// matches in any letter case, every element), else headers.
	hb := &ev.Headers
	if ev.MultiValueHeaders.present {
		hb = &ev.MultiValueHeaders
	}
	if len(req.cookies) == 0 {
		for i := range hb.cookie.n {
			req.cookies = AppendCookieValues(req.cookies, hb.cookie.decoded(i), h.access, MaxCookieValues)
		}
	}
	req.hasRID = hb.rid > 0
	if hb.origin.n > 0 {
		req.origins = make([]string, hb.origin.n)
		for i := range req.origins {
			req.origins[i] = hb.origin.decoded(i)
		}
	}
	return req, nil
}

// decide makes the decision in the order of contract §2: cookie → session
// in the store → anti-CSRF → route rules.
func (h *Handler) decide(ctx context.Context, raw []byte) (request, decision) {
	req, err := h.parse(raw)
	if err != nil {
		return req, decision{outcome: outBadEvent, reason: "bad_event", cause: err}
	}
	v, err := h.m.ValidateAny(ctx, req.cookies)
	switch {
	case err == nil:
	case errors.Is(err, session.ErrStore):
		return req, decision{outcome: outError, reason: "store", err: ErrStoreUnavailable, cause: err}
	case errors.Is(err, session.ErrNoSession):
		return req, decision{outcome: outUnauthorized, reason: "no_session", err: ErrUnauthorized}
	case errors.Is(err, session.ErrExpired):
		return req, decision{outcome: outUnauthorized, reason: "expired", err: ErrUnauthorized}
	default: // ErrUnknown, ErrTheft, anything else that says "not this session"
		return req, decision{outcome: outUnauthorized, reason: "unknown", err: ErrUnauthorized}
	}
	cfg := h.m.Config()
	for i := 0; i < len(req.origins) || i == 0; i++ {
		origin := ""
		if i < len(req.origins) {
			origin = req.origins[i]
		}
		if !cfg.AntiCSRFOK(req.method, req.hasRID, origin) {
			return req, decision{outcome: outDeny, reason: "csrf", v: v, body: `{"message":"anti-csrf check failed"}`}
		}
	}
	// Rules see the request path from the event and the path the method ARN
	// names (relative to the API: no stage, no custom-domain base path). A
	// rule applies when either matches, so a base path mapping in front of
	// the API cannot make a rule miss.
	// The ARN's path is Resource with a '/' in front; appendCleanPath reads
	// Resource alone the same way (a leading '/' only adds an empty segment,
	// which it drops).
	paths := [2]string{req.path, req.arn.Resource}
	if errs := h.rules.check(req.method, paths, v.Roles, v.Claims); len(errs) > 0 {
		return req, decision{outcome: outDeny, reason: "claims", v: v, body: claimBody(errs)}
	}
	return req, decision{outcome: outAllow, reason: "allow", v: v}
}

// claimBody renders the 403 body within MaxBodyBytes.
func claimBody(errs []ClaimValidationError) string {
	type body struct {
		Message string                 `json:"message"`
		Errors  []ClaimValidationError `json:"claimValidationErrors"`
	}
	b, _ := json.Marshal(body{"invalid claim", errs})
	if len(b) <= MaxBodyBytes {
		return string(b)
	}
	slim := make([]ClaimValidationError, len(errs))
	copy(slim, errs)
	for i := range slim {
		slim[i].Reason.ActualValue = nil
	}
	for n := len(slim); n > 0; n-- {
		b, _ = json.Marshal(body{"invalid claim", slim[:n]})
		if len(b) <= MaxBodyBytes {
			return string(b)
		}
	}
	return `{"message":"invalid claim","claimValidationErrors":[]}`
}

// contextFor builds the context of contract §4: scalars only.
func contextFor(v *session.Validated, body string) map[string]any {
	c := map[string]any{
		CtxUserID:     v.UserID,
		CtxSessionID:  v.SessionID,
		CtxRoles:      RolesValue(v.Roles),
		CtxClaims:     contextClaims(v.Claims),
		CtxSetCookie:  "",
		CtxFrontToken: v.FrontToken,
	}
	if v.SetCookie != nil {
		c[CtxSetCookie] = v.SetCookie.String()
	}
	if body != "" {
		c[CtxBody] = body
	}
	return c
}

func contextClaims(c json.RawMessage) string { return string(claimsValue(c)) }

// claimsValue is the text of the context's claims value: "{}" when the
// session has none, "" when they exceed MaxContextClaimsBytes.
func claimsValue(c json.RawMessage) []byte {
	switch {
	case len(c) == 0:
		return []byte("{}")
	case len(c) > MaxContextClaimsBytes:
		return nil
	}
	return c
}

// render turns a decision into the payload's response: the one place that
// maps an outcome to what API Gateway turns into 200/401/403/500.
func render(req request, d decision) (any, error) {
	switch d.outcome {
	case outAllow, outDeny:
		ctx := contextFor(d.v, d.body)
		if req.payload == payloadV2 {
			// HTTP APIs answer isAuthorized:false with a bare 403 whose
			// body we cannot set (they have no gateway responses); the
			// context is returned anyway for completeness.
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{
				IsAuthorized: d.outcome == outAllow, Context: ctx}, nil
		}
		effect := Allow
		if d.outcome == outDeny {
			effect = Deny
		}
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID:    d.v.UserID,
			PolicyDocument: NewPolicy(effect, req.arn),
			Context:        ctx,
		}, nil
	case outUnauthorized:
		return nil, ErrUnauthorized
	case outBadEvent:
		return badEventResponse(), nil
	}
	if d.err == nil {
		return nil, ErrStoreUnavailable
	}
	return nil, d.err
}

// record writes the log line and the metric line of one invocation. Only
// allow-listed fields are logged: never a cookie, a header or the event.
func (h *Handler) record(req request, d decision) {
	level := slog.LevelInfo
	switch d.outcome {
	case outAllow:
		level = slog.LevelDebug
	case outError, outBadEvent:
		level = slog.LevelError
	}
	ctx := context.Background()
	if d.v != nil && len(d.v.Claims) > MaxContextClaimsBytes {
		h.log.LogAttrs(ctx, slog.LevelWarn, "claims dropped from context",
			slog.String("request_id", clip(req.id)), slog.String("reason", "claims_dropped"),
			slog.String("sid", h.sid(d.v.SessionID)), slog.Int("claims_bytes", len(d.v.Claims)))
	}
	if h.log.Enabled(ctx, level) {
		attrs := []slog.Attr{
			slog.String("request_id", clip(req.id)),
			slog.String("payload", req.payload.String()),
			slog.String("route", clip(req.method+" "+req.path)),
			slog.String("outcome", d.outcome.String()),
			slog.String("reason", d.reason),
		}
		if d.v != nil {
			attrs = append(attrs, slog.String("sid", h.sid(d.v.SessionID)))
		}
		if d.cause != nil {
			attrs = append(attrs, slog.String("error", causeText(d)))
		}
		h.log.LogAttrs(ctx, level, "authorizer decision", attrs...)
	}
	h.emitMetric(d.outcome)
}

// causeText describes an error for the log without anything the client
// sent or the store's address: our own message for a bad event, a coarse
// class for a store failure.
func causeText(d decision) string {
	if d.reason != "store" {
		return d.cause.Error()
	}
	var ne net.Error
	switch {
	case errors.Is(d.cause, context.DeadlineExceeded), errors.As(d.cause, &ne) && ne.Timeout():
		return "store timeout"
	case errors.Is(d.cause, context.Canceled):
		return "request canceled"
	case errors.As(d.cause, &ne):
		return "store unreachable"
	}
	return "store error"
}

// sid is the salted hash that stands for a session id in logs: the first 12
// hex characters of HMAC-SHA256(salt, id).
func (h *Handler) sid(id string) string {
	mac := hmac.New(sha256.New, h.salt)
	mac.Write([]byte(id))
	return hex.EncodeToString(mac.Sum(nil))[:12]
}

// clip bounds a client-influenced log field.
func clip(s string) string {
	const max = 256
	if len(s) > max {
		return s[:max]
	}
	return s
}

// emitMetric writes one CloudWatch Embedded Metric Format line.
func (h *Handler) emitMetric(o outcome) {
	ts := h.now().UnixMilli()
	h.mu.Lock()
	defer h.mu.Unlock()
	b := append(h.metricBuf[:0], `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":"sessiongate","Dimensions":[["Outcome"]],"Metrics":[{"Name":"Decisions","Unit":"Count"}]}]},"Outcome":"`...)
	b = append(b, o.String()...)
	b = append(b, "\",\"Decisions\":1}\n"...)
	h.metricBuf = b // an io.Writer does not keep what it is given
	_, _ = h.metrics.Write(b)
}
