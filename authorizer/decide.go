package authorizer

import (
	"context"
	"errors"

	"github.com/sessiongate/sessiongate/session"
)

// outcome is one row of docs/protocol.md#outcomes. render is the one place
// that maps it to what API Gateway answers.
type outcome uint8

const (
	outAllow        outcome = iota // Allow / isAuthorized:true → the integration runs
	outUnauthorized                // error "Unauthorized" → 401
	outDeny                        // Deny / isAuthorized:false, with a body → 403
	outError                       // a store failure → 500, no cookie changed
	outBadEvent                    // BadEventResponse → 403
)

var outcomeNames = [...]string{"allow", "unauthorized", "deny", "error", "bad_event"}

// String is the outcome's name in logs and the metric's Outcome dimension.
func (o outcome) String() string { return outcomeNames[o] }

// reason says why an outcome was decided: the log's reason field.
type reason uint8

const (
	reasonAllow     reason = iota // a valid session that passed every check
	reasonNoSession               // no access cookie and no bearer token at all
	reasonExpired                 // the access token is too old: refresh
	reasonUnknown                 // no copy of the cookie (or the bearer token) names a live session, or the bearer credential is malformed
	reasonAmbiguous               // copies of the cookie name valid sessions of more than one user (session.ErrAmbiguous): cookie tossing, most likely
	reasonCSRF                    // the anti-CSRF check failed
	reasonClaims                  // a route rule failed
	reasonStore                   // the session store failed
	reasonBadEvent                // the event is not one the authorizer reads
	reasonInternal                // the session engine failed, or the response could not be encoded
)

var reasonNames = [...]string{"allow", "no_session", "expired", "unknown", "ambiguous", "csrf", "claims", "store", "bad_event", "internal"}

func (r reason) String() string { return reasonNames[r] }

// decision is what decide concludes about one request.
type decision struct {
	outcome outcome
	reason  reason
	v       *session.Validated     // outAllow and outDeny
	claims  []ClaimValidationError // reasonClaims: the failed rules
	cause   error                  // outError and outBadEvent: logged, never returned to Lambda
}

// decide runs the checks in the order of docs/protocol.md#check-order:
// cookie or bearer token → session in the store → anti-CSRF (cookie
// requests only) → route rules.
func (h *Handler) decide(ctx context.Context, req *request) decision {
	if req.cred == credMalformed {
		// Only a malformed bearer credential: like a cookie that does not
		// decode, and nothing for the engine to look at.
		return decision{outcome: outUnauthorized, reason: reasonUnknown}
	}
	v, err := h.sessions.ValidateAny(ctx, req.values)
	switch {
	case err == nil:
	case errors.Is(err, session.ErrStore):
		return decision{outcome: outError, reason: reasonStore, cause: err}
	case errors.Is(err, session.ErrNoSession):
		return decision{outcome: outUnauthorized, reason: reasonNoSession}
	case errors.Is(err, session.ErrExpired):
		return decision{outcome: outUnauthorized, reason: reasonExpired}
	case errors.Is(err, session.ErrAmbiguous): // before ErrUnknown, which it matches
		return decision{outcome: outUnauthorized, reason: reasonAmbiguous}
	case errors.Is(err, session.ErrUnknown), errors.Is(err, session.ErrTheft):
		return decision{outcome: outUnauthorized, reason: reasonUnknown}
	default: // the engine's own failure (a cookie it cannot encode): a 500, so that it logs nobody out
		return decision{outcome: outError, reason: reasonInternal, cause: err}
	}
	// Every Origin header must pass; none is checked as "". A bearer token
	// is not an ambient credential: a browser never attaches one on its
	// own, so a cross-site request cannot carry it and there is no forgery
	// to stop (docs/protocol.md#anti-csrf).
	for i := 0; req.cred != credBearer && (i < req.origins.n || i == 0); i++ {
		origin := ""
		if i < req.origins.n {
			origin = req.origins.at(i)
		}
		if !h.cfg.AntiCSRFOK(req.method, req.hasRID, origin) {
			return decision{outcome: outDeny, reason: reasonCSRF, v: v}
		}
	}
	// Rules see the event's path and the path the method ARN names
	// (Resource: relative to the API, so a custom domain's base path cannot
	// make a rule miss); a rule applies when either matches.
	paths := [2]string{req.path, req.arn.Resource}
	if errs := h.rules.check(req.method, paths, v.Roles, v.Claims); len(errs) > 0 {
		return decision{outcome: outDeny, reason: reasonClaims, v: v, claims: errs}
	}
	return decision{outcome: outAllow, reason: reasonAllow, v: v}
}
