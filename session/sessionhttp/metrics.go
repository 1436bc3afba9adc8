package sessionhttp

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"sync"

	"github.com/sessiongate/sessiongate/internal/emf"
	"github.com/sessiongate/sessiongate/internal/logid"
)

// CloudWatch names of the session API's metrics (Embedded Metric Format).
// The deployment's alarms are derived from these constants, so a rename
// here fails the template's tests instead of silencing an alarm.
const (
	// MetricNamespace is the CloudWatch namespace, shared with the
	// authorizer's Decisions metric.
	MetricNamespace = emf.Namespace
	// MetricRequests counts session API requests (Count), one per request,
	// with the dimension sets [Route, Outcome] and [Outcome].
	MetricRequests = "Requests"
	// MetricSessionsEvicted counts the sessions a sign-in ended because the
	// user already had session.Config.MaxSessionsPerUser (Count). It is
	// emitted only on a sign-in that ended some, on the same line as its
	// Requests, with the same dimensions.
	MetricSessionsEvicted = "SessionsEvicted"
	// DimensionRoute and DimensionOutcome are the dimension names.
	DimensionRoute   = "Route"
	DimensionOutcome = "Outcome"
)

// Routes: the Route dimension of the metrics and the route field of the
// logs.
const (
	RouteSignIn       = "signin"
	RouteRefresh      = "refresh"
	RouteSignOut      = "signout"
	RouteSessions     = "sessions"
	RouteEndSession   = "end-session"
	RouteRevokeOthers = "revoke-others"
)

// Outcomes: the Outcome dimension of the metrics and the outcome field of
// the logs. Every request ends in exactly one.
const (
	OutcomeOK           = "ok"
	OutcomeUnauthorised = "unauthorised" // 401 unauthorised
	OutcomeTheft        = "theft"        // 401 token theft detected: the session was revoked
	OutcomeStoreError   = "store_error"  // 503: the session store failed
	OutcomeForbidden    = "forbidden"    // 403 anti-csrf check failed
	OutcomeBadRequest   = "bad_request"  // 400, 405
	OutcomeNotFound     = "not_found"    // 404 no such session
	OutcomeReauth       = "reauth"       // 403 reauthentication required
)

// event is what one request's log record and metric line say.
type event struct {
	route, outcome, reason string
	level                  slog.Level
	// sid and uid are raw ids, set on a theft only; they are logged as
	// salted hashes (package logid), never as given.
	sid, uid string
	// evicted is the number of sessions a sign-in ended (SessionsEvicted).
	evicted int
}

// processSalt is the log salt of Options without LogSalt: random, drawn
// once per process, so that the hashes of every handler of the process
// agree.
var processSalt = sync.OnceValue(func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
})

// observe writes ev's one log record and one metric line.
func (o Options) observe(r *http.Request, ev event) {
	o.logEvent(r.Context(), ev)
	o.emit(ev)
}

// logEvent writes the log record: request_id, route, outcome, reason, and
// on a theft sid and uid as salted hashes. Nothing else.
func (o Options) logEvent(ctx context.Context, ev event) {
	if !o.Logger.Enabled(ctx, ev.level) {
		return
	}
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs,
		slog.String("request_id", RequestID(ctx)),
		slog.String("route", ev.route),
		slog.String("outcome", ev.outcome),
		slog.String("reason", ev.reason))
	if ev.sid != "" {
		attrs = append(attrs, slog.String("sid", logid.Hash(o.LogSalt, ev.sid)))
	}
	if ev.uid != "" {
		attrs = append(attrs, slog.String("uid", logid.Hash(o.LogSalt, ev.uid)))
	}
	if ev.evicted > 0 {
		attrs = append(attrs, slog.Int("evicted", ev.evicted))
	}
	o.Logger.LogAttrs(ctx, ev.level, "session api", attrs...)
}

// requestSets are the dimension sets of a Requests line: by route and
// outcome, and by outcome alone (what the alarms watch).
var requestSets = [][]string{{DimensionRoute, DimensionOutcome}, {DimensionOutcome}}

// metricsMu serializes metric lines: each is one Write, and handlers built
// from separate Options may share one writer (os.Stdout).
var metricsMu sync.Mutex

// emit writes one EMF line for ev to o.Metrics, e.g.
//
//	{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"sessiongate",
//	"Dimensions":[["Route","Outcome"],["Outcome"]],"Metrics":[{"Name":"Requests","Unit":"Count"}]}]},
//	"Route":"refresh","Outcome":"ok","Requests":1}
//
// (one line), with SessionsEvicted beside Requests on a sign-in that
// evicted sessions. Route and Outcome are constants of this package, so
// nothing needs escaping.
func (o Options) emit(ev event) {
	if o.Metrics == nil {
		return
	}
	var metrics = [2]emf.Metric{{Name: MetricRequests, Value: 1}, {Name: MetricSessionsEvicted, Value: int64(ev.evicted)}}
	n := 1
	if ev.evicted > 0 {
		n = 2
	}
	b := emf.AppendLine(make([]byte, 0, 320), o.Now().UnixMilli(), requestSets,
		[]emf.Dim{{Name: DimensionRoute, Value: ev.route}, {Name: DimensionOutcome, Value: ev.outcome}}, metrics[:n])
	metricsMu.Lock()
	defer metricsMu.Unlock()
	_, _ = o.Metrics.Write(b)
}
