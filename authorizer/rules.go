package authorizer

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/sessiongate/sessiongate/session"
)

// ErrInvalidRules is wrapped by every error of ParseRules.
var ErrInvalidRules = errors.New("authorizer: invalid AUTHZ_RULES")

// Limits on a rule set, so that a mistaken configuration fails at start-up
// instead of slowing every request.
const (
	MaxRules              = 256
	MaxAllowedClaimValues = 64
)

// Rule is one entry of AUTHZ_RULES (docs/protocol.md#route-rules). A
// request matches it when its method matches Method ("*" or one upper-case
// method) and its path matches Path; it then must satisfy Roles, AnyRoles
// and Claims.
//
// Path is a pattern of '/'-separated segments, matched case-sensitively
// against the request's path without the stage: a literal segment matches
// itself, "*" exactly one non-empty segment, and "**", only as the last
// segment, zero or more ("/api/admin/**" matches "/api/admin" and
// "/api/admin/users/7"). The request path is cleaned first ("//", a
// trailing '/', "." and ".."), so "/api//admin/" and "/api/x/../admin"
// both match "/api/admin".
//
// Roles must all be held; of AnyRoles at least one (what `sessiongate
// render` writes for an operation's x-sessiongate roles). Claims maps a
// custom claim to the values it may take: the claim must equal one of them
// as a JSON value or, when it is an array, contain one. A rule needs at
// least one of Roles, AnyRoles or Claims.
type Rule struct {
	Method   string           `json:"method"`
	Path     string           `json:"path"`
	Roles    []string         `json:"roles,omitempty"`
	AnyRoles []string         `json:"anyRoles,omitempty"`
	Claims   map[string][]any `json:"claims,omitempty"`
}

// Rules is a validated, compiled rule set; the zero value has no rules and
// lets every valid session through. Every rule that matches a request
// applies (there is no "first match wins"), so adding a rule can only
// restrict access, never widen it.
type Rules struct {
	rules []compiledRule
}

type compiledRule struct {
	method string
	segs   []string
	tail   bool // pattern ended in "**"
	roles  []string
	// anyRoles: at least one must be held; anyRaw is their JSON, for the
	// failure's reason.
	anyRoles []string
	anyRaw   []jsontext.Value
	claims   []claimRule // sorted by name
}

type claimRule struct {
	name    string
	allowed []jsontext.Value // each allowed value (a string, number or boolean), canonical
}

// Len reports how many rules the set holds.
func (r Rules) Len() int { return len(r.rules) }

var httpMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true,
	"PATCH": true, "DELETE": true, "OPTIONS": true, "*": true}

// ParseRules parses and validates AUTHZ_RULES: a JSON array of Rule ("" is
// none). Every problem is reported, each naming its rule's index. The JSON
// is read strictly (encoding/json/v2): unknown or repeated members are
// refused and names match exactly, so a typo ("role", "Roles") or a second
// "roles" cannot silently drop a restriction.
func ParseRules(text string) (Rules, error) {
	if strings.TrimSpace(text) == "" {
		return Rules{}, nil
	}
	var in []Rule
	if err := json.Unmarshal([]byte(text), &in, json.RejectUnknownMembers(true)); err != nil {
		return Rules{}, fmt.Errorf("%w: not a JSON array of rules: %w", ErrInvalidRules, err)
	}
	if len(in) > MaxRules {
		return Rules{}, fmt.Errorf("%w: %d rules, at most %d", ErrInvalidRules, len(in), MaxRules)
	}
	var problems []error
	bad := func(i int, format string, args ...any) {
		problems = append(problems, fmt.Errorf("rule %d: %s", i, fmt.Sprintf(format, args...)))
	}
	out := Rules{rules: make([]compiledRule, 0, len(in))}
	for i, r := range in {
		c := compiledRule{method: r.Method}
		if !httpMethods[r.Method] {
			bad(i, "method %q is not \"*\" or an upper-case HTTP method", r.Method)
		}
		if !strings.HasPrefix(r.Path, "/") {
			bad(i, "path %q must start with \"/\"", r.Path)
		} else {
			segs := strings.Split(r.Path[1:], "/")
			if r.Path == "/" {
				segs = nil
			}
			for j, s := range segs {
				switch {
				case s == "**" && j == len(segs)-1:
					c.tail = true
				case s == "**":
					bad(i, "path %q: \"**\" is allowed only as the last segment", r.Path)
				case s == "":
					bad(i, "path %q has an empty segment", r.Path)
				case s == "." || s == "..":
					bad(i, "path %q has a %q segment", r.Path, s)
				case s != "*" && strings.Contains(s, "*"):
					bad(i, "path %q: \"*\" must be a whole segment", r.Path)
				}
			}
			if c.tail {
				segs = segs[:len(segs)-1]
			}
			c.segs = segs
		}
		if len(r.Roles) == 0 && len(r.AnyRoles) == 0 && len(r.Claims) == 0 {
			bad(i, "needs roles, anyRoles or claims")
		}
		if len(r.Roles) > 0 {
			if err := session.ValidateRoles(r.Roles); err != nil {
				bad(i, "roles: %v", err)
			}
			c.roles = r.Roles
		}
		if r.AnyRoles != nil && len(r.AnyRoles) == 0 {
			bad(i, "anyRoles: empty list (name at least one role, or leave anyRoles out)")
		}
		if len(r.AnyRoles) > 0 {
			if err := session.ValidateRoles(r.AnyRoles); err != nil {
				bad(i, "anyRoles: %v", err)
			}
			c.anyRoles = r.AnyRoles
			for _, role := range r.AnyRoles {
				b, _ := json.Marshal(role) // valid UTF-8 (ValidateRoles): it encodes
				c.anyRaw = append(c.anyRaw, b)
			}
		}
		for _, n := range slices.Sorted(maps.Keys(r.Claims)) {
			vals := r.Claims[n]
			if n == "" {
				bad(i, "claims: empty claim name")
				continue
			}
			if len(vals) == 0 || len(vals) > MaxAllowedClaimValues {
				bad(i, "claims.%s: needs 1 to %d allowed values", n, MaxAllowedClaimValues)
				continue
			}
			cr := claimRule{name: n}
			for _, v := range vals {
				switch v.(type) {
				case string, float64, bool:
				default:
					bad(i, "claims.%s: allowed values must be strings, numbers or booleans", n)
					continue
				}
				b, _ := json.Marshal(v) // a decoded scalar encodes
				cr.allowed = append(cr.allowed, canonical(b))
			}
			c.claims = append(c.claims, cr)
		}
		out.rules = append(out.rules, c)
	}
	if len(problems) > 0 {
		return Rules{}, fmt.Errorf("%w:\n%w", ErrInvalidRules, errors.Join(problems...))
	}
	return out, nil
}

// ClaimValidationError is one entry of the 403 body's claimValidationErrors,
// in the shape the SuperTokens frontend SDK parses for its API_INVALID_CLAIM
// event: ID is "roles" for a role rule and the claim's name for a claim rule.
type ClaimValidationError struct {
	ID     string      `json:"id"`
	Reason ClaimReason `json:"reason"`
}

// ClaimReason says why a claim failed, following SuperTokens' validators:
// Message is "wrong value" or "value does not exist"; exactly one of
// ExpectedToInclude (a required role), ExpectedToBeOneOf (a scalar claim) or
// ExpectedToIncludeAtLeastOneOf (an array claim, or the roles of AnyRoles)
// is set; ActualValue is the session's value — its roles ([]string, empty
// when none) or the claim's JSON (a jsontext.Value) — and is omitted when
// the claim is absent or when it would not fit the size budget.
type ClaimReason struct {
	Message                       string           `json:"message"`
	ExpectedToInclude             string           `json:"expectedToInclude,omitempty"`
	ExpectedToBeOneOf             []jsontext.Value `json:"expectedToBeOneOf,omitempty"`
	ExpectedToIncludeAtLeastOneOf []jsontext.Value `json:"expectedToIncludeAtLeastOneOf,omitempty"`
	ActualValue                   any              `json:"actualValue,omitzero"`
}

// Check applies every rule matching method and path to a session's roles and
// custom claims (a JSON object) and returns the failures, nil when the
// request may pass. Claims that are not a JSON object count as absent.
func (r Rules) Check(method, path string, roles []string, claims []byte) []ClaimValidationError {
	return r.check(method, [2]string{path, path}, roles, claims)
}

// check is Check for a request known by two spellings of its path: a rule
// applies when it matches either, so the second can only add restrictions.
func (r Rules) check(method string, paths [2]string, roles []string, claims []byte) []ClaimValidationError {
	if len(r.rules) == 0 {
		return nil
	}
	n := len(paths)
	if paths[1] == paths[0] {
		n = 1
	}
	// Paths of up to 8 segments are cleaned into arrays on the stack.
	var segStore [len(paths)][8]string
	var cands [len(paths)][]string
	for i, p := range paths[:n] {
		cands[i] = appendCleanPath(segStore[i][:0], p)
	}
	var errs []ClaimValidationError
	for i := range r.rules {
		c := &r.rules[i]
		matched := false
		for _, segs := range cands[:n] {
			if c.matches(method, segs) {
				matched = true
				break
			}
		}
		if !matched {
			continue
		}
		actual := roles
		if actual == nil {
			actual = []string{}
		}
		for _, want := range c.roles {
			if !slices.Contains(roles, want) {
				errs = append(errs, ClaimValidationError{ID: "roles", Reason: ClaimReason{
					Message: "wrong value", ExpectedToInclude: want, ActualValue: actual}})
			}
		}
		if len(c.anyRoles) > 0 && !slices.ContainsFunc(c.anyRoles, func(r string) bool { return slices.Contains(roles, r) }) {
			errs = append(errs, ClaimValidationError{ID: "roles", Reason: ClaimReason{
				Message: "wrong value", ExpectedToIncludeAtLeastOneOf: c.anyRaw, ActualValue: actual}})
		}
		for _, cr := range c.claims {
			if e, ok := cr.check(claim(claims, cr.name)); !ok {
				errs = append(errs, e)
			}
		}
	}
	return errs
}

// claim returns the JSON value of the custom claim called name, or nil.
// Claims that are not one strict JSON object have no members, so every
// claim rule fails on them: closed.
func claim(claims []byte, name string) jsontext.Value {
	f := claimFinders.Get().(*claimFinder)
	*f = claimFinder{name: name, src: claims}
	var v jsontext.Value
	if json.Unmarshal(claims, f) == nil {
		v = f.value
	}
	*f = claimFinder{} // the pool keeps no reference to the claims
	claimFinders.Put(f)
	return v
}

// claimFinder finds one member of a JSON object without building a map; the
// value it finds is a slice of src, the object's text.
type claimFinder struct {
	name  string
	src   []byte
	value jsontext.Value
}

// claimFinders reuse claimFinders: json.Unmarshal takes one as an
// interface value, so a new one would be allocated on every lookup.
var claimFinders = sync.Pool{New: func() any { return new(claimFinder) }}

func (f *claimFinder) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '{' {
		return errWrongType
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return err
		}
		found := name.String() == f.name
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if found {
			end := dec.InputOffset()
			f.value = f.src[end-int64(len(v)) : end]
		}
	}
	_, err := dec.ReadToken()
	return err
}

func (cr claimRule) check(v jsontext.Value) (ClaimValidationError, bool) {
	switch v.Kind() {
	case 0, 'n': // absent or null
		return ClaimValidationError{ID: cr.name, Reason: ClaimReason{
			Message: "value does not exist", ExpectedToBeOneOf: cr.allowed}}, false
	case '[':
		var elems []jsontext.Value
		_ = json.Unmarshal(v, &elems) // v is valid JSON: it came out of the claims
		if slices.ContainsFunc(elems, cr.allows) {
			return ClaimValidationError{}, true
		}
		return ClaimValidationError{ID: cr.name, Reason: ClaimReason{
			Message: "wrong value", ExpectedToIncludeAtLeastOneOf: cr.allowed, ActualValue: v}}, false
	}
	if cr.allows(v) {
		return ClaimValidationError{}, true
	}
	return ClaimValidationError{ID: cr.name, Reason: ClaimReason{
		Message: "wrong value", ExpectedToBeOneOf: cr.allowed, ActualValue: v}}, false
}

// allows reports whether the JSON value v is one of the allowed values:
// equal in their canonical form (RFC 8785), so 1, 1.0 and 1e0 are one
// number and "\u0061" is "a".
func (cr claimRule) allows(v jsontext.Value) bool {
	c := canonical(v)
	return slices.ContainsFunc(cr.allowed, func(a jsontext.Value) bool { return bytes.Equal(a, c) })
}

// canonical returns v in its canonical form (RFC 8785), or nil if it has
// none. A string without escapes and a literal are canonical already.
func canonical(v jsontext.Value) jsontext.Value {
	switch v.Kind() {
	case 't', 'f', 'n':
		return v
	case '"':
		if bytes.IndexByte(v, '\\') < 0 {
			return v
		}
	}
	c := v.Clone()
	if c.Canonicalize() != nil {
		return nil
	}
	return c
}

func (c *compiledRule) matches(method string, segs []string) bool {
	if c.method != "*" && c.method != method {
		return false
	}
	if len(segs) < len(c.segs) || (!c.tail && len(segs) != len(c.segs)) {
		return false
	}
	for i, p := range c.segs {
		if p != "*" && p != segs[i] {
			return false
		}
	}
	return true
}

// appendCleanPath appends to segs (empty) the segments of a request path,
// dropping empty and "." segments and resolving "..", so that equivalent
// spellings of a path match the same rules.
func appendCleanPath(segs []string, p string) []string {
	for len(p) > 0 {
		var s string
		if i := strings.IndexByte(p, '/'); i >= 0 {
			s, p = p[:i], p[i+1:]
		} else {
			s, p = p, ""
		}
		switch s {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, s)
		}
	}
	return segs
}
