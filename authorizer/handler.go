package authorizer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/sessiongate/sessiongate/internal/logid"
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
	// ErrInternal: the session engine failed otherwise (a cookie it cannot
	// encode), or the response could not be encoded: a 500, cookies kept.
	ErrInternal = errors.New("authorizer: internal error")
	// ErrInvalidConfig is wrapped by New's errors.
	ErrInvalidConfig = errors.New("authorizer: invalid configuration")
)

// Size budget of the context, for API Gateway's 10240 bytes of request
// headers (docs/apigateway.md#limits): the session engine bounds user id,
// roles and tokens; the two values that grow with the application's data
// are bounded here.
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

// Sessions is what the authorizer needs of the session engine. A
// *session.Manager is one; tests use a stub, so that everything above the
// engine runs without Redis.
type Sessions interface {
	// ValidateAny validates the copies of the access cookie a request
	// carried — every one, in header order, uncapped: which ones count is
	// its rule (session.Manager.ValidateAny: within session.HeaderBudget;
	// valid sessions of more than one user are session.ErrAmbiguous) — or
	// its one bearer token, which is the same value. Errors wrap
	// session.ErrNoSession, ErrExpired, ErrUnknown (ErrAmbiguous is one),
	// ErrTheft or ErrStore.
	// values is lent for the call: the authorizer reuses its memory once
	// ValidateAny returns, so an implementation must not keep the slice.
	ValidateAny(ctx context.Context, values []string) (*session.Validated, error)
	// Config is the engine's configuration, read once by New: the access
	// cookie's name and the anti-CSRF policy.
	Config() session.Config
}

var _ Sessions = (*session.Manager)(nil)

// Config configures New.
type Config struct {
	// Manager validates sessions: a *session.Manager. Required.
	Manager Sessions
	// Rules are the route rules (AUTHZ_RULES); the zero value has none.
	Rules Rules
	// Logger receives one line per decision (observe.go says which fields).
	// Default: slog JSON on os.Stderr at level Info (allowed requests are
	// logged at Debug; the metrics line counts them).
	Logger *slog.Logger
	// Metrics receives one CloudWatch Embedded Metric Format line per
	// invocation, serialised. Default os.Stdout (Lambda sends it to
	// CloudWatch Logs, which extracts the metric).
	Metrics io.Writer
	// Now is the clock for metric timestamps. Default time.Now.
	Now func() time.Time
	// LogSalt keys the HMAC that hides session and user ids in logs
	// (LOG_SALT; internal/logid: the same salt gives the same hashes as the
	// session API and the operator tool). Default: 32 random bytes per
	// process, so hashes correlate lines of one process only.
	LogSalt []byte
}

// Handler is the REQUEST and TOKEN authorizer. It is safe for concurrent
// use; build it once per process with New.
type Handler struct {
	sessions  Sessions
	cfg       session.Config // sessions.Config(): cookie name, anti-CSRF
	rules     Rules
	log       *slog.Logger
	metrics   io.Writer
	mu        sync.Mutex // serialises metric writes; guards metricBuf
	metricBuf []byte
	now       func() time.Time
	ids       *logid.Hasher // sid and uid of the log lines
}

// New checks cfg and returns a Handler. It does no I/O.
func New(cfg Config) (*Handler, error) {
	if cfg.Manager == nil {
		return nil, fmt.Errorf("%w: Manager is required", ErrInvalidConfig)
	}
	h := &Handler{sessions: cfg.Manager, cfg: cfg.Manager.Config(), rules: cfg.Rules,
		log: cfg.Logger, metrics: cfg.Metrics, now: cfg.Now, ids: logid.New(cfg.LogSalt)}
	if h.log == nil {
		h.log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if h.metrics == nil {
		h.metrics = os.Stdout
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h, nil
}

// Invoke implements lambda.Handler: the event's JSON in, the response's
// JSON out (lambda.Start(h)). Every invocation is parsed (parse.go),
// decided (decide.go), rendered (render.go) and observed: one log line
// when the level allows, one metric line always (observe.go). It returns
// an error only for a 401 (ErrUnauthorized) or a 500 (ErrStoreUnavailable,
// ErrInternal). Its working memory is an invocation, reused by the next
// call once this one has returned.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	inv := newInvocation()
	defer inv.release()
	req, err := parse(payload, h.cfg.AccessCookieName, inv)
	var d decision
	if err != nil {
		d = decision{outcome: outBadEvent, reason: reasonBadEvent, cause: err}
	} else {
		d = h.decide(ctx, &req)
	}
	out, err := render(&req, &d, &inv.resp)
	h.observe(&req, &d)
	return out, err
}

// Handle is Invoke for aws-lambda-go's reflection (lambda.NewHandler(
// h.Handle)): the same bytes, as a raw JSON value.
func (h *Handler) Handle(ctx context.Context, event jsontext.Value) (jsontext.Value, error) {
	return h.Invoke(ctx, event)
}
