package gatewayresponses

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session"
)

// AnnotationKey is the OpenAPI extension that says how sessiongate
// protects an operation (on the operation) or every operation (at the
// document's root).
const AnnotationKey = "x-sessiongate"

// SessionMode is an annotation's session value.
type SessionMode string

// Session modes. An operation without any annotation requires a session:
// SessionNone is the only way to make a route public.
const (
	SessionRequired SessionMode = "required"
	SessionNone     SessionMode = "none"
)

// AuthorizerType is the kind of Lambda authorizer that protects a
// document's operations. A document chooses it once, at its root:
//
//	x-sessiongate:
//	  authorizer: token   # request (the default) | token
//
// An API has one authorizer for all its protected operations.
type AuthorizerType string

// Authorizer types.
const (
	// RequestAuthorizer (the default) is a REQUEST authorizer: it gets the
	// whole request, the session cookie and the Authorization header alike,
	// so browsers in cookie mode and clients in header mode both work.
	RequestAuthorizer AuthorizerType = "request"
	// TokenAuthorizer is a TOKEN authorizer, for bearer-only APIs: it gets
	// only the Authorization header's value (authorizationToken) and the
	// method ARN, and API Gateway answers 401 itself, without invoking it,
	// when the header is missing or empty. A browser in cookie mode cannot
	// call such an API. HTTP APIs have no TOKEN type: their variant is a
	// REQUEST authorizer with the identity source
	// $request.header.Authorization, which has the same effect.
	TokenAuthorizer AuthorizerType = "token"
)

// TokenHeader is the request header a TOKEN authorizer reads: its identity
// source is method.request.header.Authorization (REST), and the HTTP API
// variant's is $request.header.Authorization.
const TokenHeader = "Authorization"

// Valid reports whether t is RequestAuthorizer or TokenAuthorizer.
func (t AuthorizerType) Valid() bool { return t == RequestAuthorizer || t == TokenAuthorizer }

// Protection is what the authorizer demands of a request to an operation.
type Protection struct {
	// Session is SessionRequired or SessionNone.
	Session SessionMode
	// Roles: the session must hold at least one of them (rendered as the
	// rule's anyRoles). Empty: no role is needed.
	Roles []string
	// Claims: each named custom claim must hold one of its values (a
	// string, float64 or bool), as authorizer.Rule's Claims.
	Claims map[string][]any
}

// Public reports whether the operation runs without the authorizer.
func (p Protection) Public() bool { return p.Session == SessionNone }

// HasRule reports whether the operation needs a route rule: a session that
// must also hold a role or claim values.
func (p Protection) HasRule() bool { return !p.Public() && (len(p.Roles) > 0 || len(p.Claims) > 0) }

// String describes the protection as render prints it: "public",
// "session", "session, any role of admin, editor", "session, claim plan
// one of pro, team".
func (p Protection) String() string {
	if p.Public() {
		return "public"
	}
	parts := []string{"session"}
	if len(p.Roles) > 0 {
		parts = append(parts, "any role of "+strings.Join(p.Roles, ", "))
	}
	for _, name := range sortedKeys(p.Claims) {
		vals := make([]string, len(p.Claims[name]))
		for i, v := range p.Claims[name] {
			vals[i] = claimText(v)
		}
		parts = append(parts, "claim "+name+" one of "+strings.Join(vals, ", "))
	}
	return strings.Join(parts, ", ")
}

func claimText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	return fmt.Sprint(v)
}

// annotation is one x-sessiongate mapping as written: which keys it sets.
type annotation struct {
	session    SessionMode
	hasSession bool
	roles      []string
	hasRoles   bool
	claims     map[string][]any
	hasClaims  bool
	// authorizer is set at the document's root only.
	authorizer AuthorizerType
}

// parseAnnotation reads an x-sessiongate value and returns every problem
// of it. root says whether it is the document root's, the only place that
// may choose the authorizer.
func (t *yamlTree) parseAnnotation(n *yaml.Node, root bool) (annotation, []string) {
	var a annotation
	keys := "session, roles or claims"
	if root {
		keys = "session, roles, claims or authorizer"
	}
	es, err := t.entries(n)
	if err != nil {
		return a, []string{AnnotationKey + ": want a mapping with " + keys + " (" + err.Error() + ")"}
	}
	var probs []string
	bad := func(format string, args ...any) {
		probs = append(probs, AnnotationKey+": "+fmt.Sprintf(format, args...))
	}
	for _, e := range es {
		switch e.key {
		case "session":
			s, ok := yamlString(e.val)
			switch {
			case ok && (s == string(SessionRequired) || s == string(SessionNone)):
				a.session, a.hasSession = SessionMode(s), true
			default:
				bad("session: want required or none, got %s", yamlKind(e.val))
			}
		case "roles":
			a.hasRoles = true
			v := yamlDeref(e.val)
			if v == nil || v.Kind != yaml.SequenceNode {
				bad("roles: want a list of role names, like [admin], got %s", yamlKind(e.val))
				continue
			}
			if len(v.Content) == 0 {
				bad("roles: empty list (name at least one role, or leave roles out)")
				continue
			}
			ok := true
			for _, r := range v.Content {
				s, isStr := yamlString(r)
				if !isStr {
					bad("roles: a role name must be a string, got %s", yamlKind(r))
					ok = false
					continue
				}
				a.roles = append(a.roles, s)
			}
			if ok {
				if err := session.ValidateRoles(a.roles); err != nil {
					bad("roles: %v", err)
				}
			}
		case "claims":
			a.hasClaims = true
			ces, err := t.entries(e.val)
			if err != nil {
				bad("claims: want a mapping of claim names to lists of values, like {plan: [pro]}")
				continue
			}
			if len(ces) == 0 {
				bad("claims: empty mapping (name at least one claim, or leave claims out)")
				continue
			}
			a.claims = map[string][]any{}
			for _, c := range ces {
				if c.key == "" {
					bad("claims: empty claim name")
					continue
				}
				v := yamlDeref(c.val)
				if v == nil || v.Kind != yaml.SequenceNode {
					bad("claims.%s: want a list of values, like [pro], got %s", c.key, yamlKind(c.val))
					continue
				}
				if len(v.Content) == 0 || len(v.Content) > authorizer.MaxAllowedClaimValues {
					bad("claims.%s: needs 1 to %d values, got %d", c.key, authorizer.MaxAllowedClaimValues, len(v.Content))
					continue
				}
				for _, item := range v.Content {
					val, err := claimValue(item)
					if err != nil {
						bad("claims.%s: %v", c.key, err)
						continue
					}
					a.claims[c.key] = append(a.claims[c.key], val)
				}
			}
		case "authorizer":
			s, ok := yamlString(e.val)
			switch {
			case !root:
				bad("authorizer: set it once at the document's root: an API has one authorizer for all its protected operations")
			case ok && AuthorizerType(s).Valid():
				a.authorizer = AuthorizerType(s)
			default:
				bad("authorizer: want request or token, got %s", yamlKind(e.val))
			}
		default:
			bad("unknown key %q (want %s)", e.key, keys)
		}
	}
	return a, probs
}

// claimValue reads an allowed claim value: a string, number or boolean.
func claimValue(n *yaml.Node) (any, error) {
	n = yamlDeref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("a value must be a string, number or boolean, got %s", yamlKind(n))
	}
	switch n.Tag {
	case "!!str", "!!bool", "!!int", "!!float":
	default:
		return nil, fmt.Errorf("a value must be a string, number or boolean, got %s", yamlKind(n))
	}
	v, err := scalarValue(n)
	if err != nil {
		return nil, err
	}
	if i, ok := v.(int64); ok {
		v = float64(i) // as JSON decodes it
	}
	return v, nil
}

// protection merges an operation's annotation over the document's default.
//
// The merge rule: every key the operation writes replaces the root's value
// of that key (roles replace roles, claims replace claims as a whole); keys
// it does not write come from the root; a session that nobody writes is
// required. An operation with session: none is public: the root's roles
// and claims do not apply to it, and writing roles or claims beside
// session: none is an error (a public route runs no authorizer). An
// operation that is public by the root's default cannot add roles or
// claims without also writing session: required.
func protection(root, op annotation) (Protection, string) {
	mode := SessionRequired
	inherited := false
	if root.hasSession {
		mode, inherited = root.session, true
	}
	if op.hasSession {
		mode, inherited = op.session, false
	}
	if mode == SessionNone {
		if op.hasRoles || op.hasClaims {
			if inherited {
				return Protection{}, AnnotationKey + ": roles or claims on an operation that is public by the document's default (session: none at the root); add session: required"
			}
			return Protection{}, AnnotationKey + ": roles or claims beside session: none (a public route runs no authorizer)"
		}
		return Protection{Session: SessionNone}, ""
	}
	p := Protection{Session: SessionRequired, Roles: root.roles, Claims: root.claims}
	if op.hasRoles {
		p.Roles = op.roles
	}
	if op.hasClaims {
		p.Claims = op.claims
	}
	return p, ""
}
