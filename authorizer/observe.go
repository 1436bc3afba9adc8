package authorizer

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"github.com/sessiongate/sessiongate/internal/emf"
)

// observe writes the log line and the metric line of one invocation. Only
// allow-listed fields are logged — request_id, payload, credential, route,
// outcome, reason, sid, uid, error, claims_bytes — never a cookie, a
// header, a token or the event. sid and uid are salted hashes
// (internal/logid) of the session and user ids, present when a session was
// found (allow, deny): uid ties the sessions of one user together in an
// incident without naming the user.
func (h *Handler) observe(req *request, d *decision) {
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
			slog.String("sid", h.ids.Hash(d.v.SessionID)), slog.String("uid", h.ids.Hash(d.v.UserID)),
			slog.Int("claims_bytes", len(d.v.Claims)))
	}
	if h.log.Enabled(ctx, level) {
		attrs := []slog.Attr{
			slog.String("request_id", clip(req.id)),
			slog.String("payload", req.payload.String()),
			slog.String("credential", req.cred.String()),
			slog.String("route", clip(req.method+" "+req.path)),
			slog.String("outcome", d.outcome.String()),
			slog.String("reason", d.reason.String()),
		}
		if d.v != nil {
			attrs = append(attrs, slog.String("sid", h.ids.Hash(d.v.SessionID)), slog.String("uid", h.ids.Hash(d.v.UserID)))
		}
		if d.cause != nil {
			attrs = append(attrs, slog.String("error", causeText(d)))
		}
		h.log.LogAttrs(ctx, level, "authorizer decision", attrs...)
	}
	h.emitMetric(d.outcome)
}

// causeText describes an error for the log without anything the client
// sent (parse's errors quote nothing) or the store's address (a class).
func causeText(d *decision) string {
	if d.reason != reasonStore {
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

// clip bounds a client-influenced log field.
func clip(s string) string {
	const max = 256
	if len(s) > max {
		return s[:max]
	}
	return s
}

// Names of the authorizer's metric (internal/emf; the template's
// AuthorizerErrorAlarm watches Decisions with Outcome=error).
const (
	metricDecisions  = "Decisions"
	dimensionOutcome = "Outcome"
)

// decisionSets is the one dimension set of a Decisions line.
var decisionSets = [][]string{{dimensionOutcome}}

// emitMetric writes one CloudWatch Embedded Metric Format line (package
// emf): metric Decisions, dimension Outcome, into the handler's reused
// buffer.
func (h *Handler) emitMetric(o outcome) {
	ts := h.now().UnixMilli()
	h.mu.Lock()
	defer h.mu.Unlock()
	b := emf.AppendLine(h.metricBuf[:0], ts, decisionSets,
		[]emf.Dim{{Name: dimensionOutcome, Value: o.String()}}, []emf.Metric{{Name: metricDecisions, Value: 1}})
	h.metricBuf = b // an io.Writer does not keep what it is given
	_, _ = h.metrics.Write(b)
}
