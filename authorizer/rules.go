package authorizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

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

// Rule is one entry of AUTHZ_RULES. A request matches it when its method
// matches Method and its path matches Path; it then must satisfy Roles,
// AnyRoles and Claims.
//
// Method is "*" (every method) or one HTTP method in upper case.
//
// Path is a pattern of '/'-separated segments, matched against the request's
// path without the stage prefix, segment by segment, case-sensitively:
//
//   - a literal segment matches itself ("/api/admin" matches only
//     "/api/admin");
//   - "*" matches exactly one non-empty segment ("/api/*/settings");
//   - "**", only as the last segment, matches zero or more segments
//     ("/api/admin/**" matches "/api/admin", "/api/admin/users/7").
//
// Before matching, the request path is cleaned: empty segments (from "//"
// or a trailing '/') and "." are dropped and ".." removes the segment before
// it, so "/api//admin/" and "/api/x/../admin" both match "/api/admin".
//
// Roles lists roles the session must all hold; AnyRoles lists roles of
// which the session must hold at least one (what `sessiongate render`
// writes for an operation's x-sessiongate roles). Claims maps a custom
// claim name to the values it may take: the claim (a string, number or
// boolean) must equal one of them or, when the claim is an array, contain
// one of them. A rule needs at least one of Roles, AnyRoles or Claims.
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
	anyRaw   []json.RawMessage
	claims   []claimRule // sorted by name
}

type claimRule struct {
	name    string
	allowed []any             // each allowed value: a string, float64 or bool
	raw     []json.RawMessage // its JSON, for error reasons
}

// Len reports how many rules the set holds.
func (r Rules) Len() int { return len(r.rules) }

var httpMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true,
	"PATCH": true, "DELETE": true, "OPTIONS": true, "*": true}

// ParseRules parses and validates AUTHZ_RULES: a JSON array of Rule. An
// empty string means no rules. Every problem is reported together, each
// naming the rule by its index; unknown fields are rejected so that a typo
// ("role") cannot silently drop a restriction.
func ParseRules(text string) (Rules, error) {
	if strings.TrimSpace(text) == "" {
		return Rules{}, nil
	}
	var in []Rule
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return Rules{}, fmt.Errorf("%w: not a JSON array of rules: %v", ErrInvalidRules, err)
	}
	if dec.More() {
		return Rules{}, fmt.Errorf("%w: trailing data after the array", ErrInvalidRules)
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
				b, _ := json.Marshal(role) // a string always encodes
				c.anyRaw = append(c.anyRaw, b)
			}
		}
		names := make([]string, 0, len(r.Claims))
		for n := range r.Claims {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
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
				b, _ := json.Marshal(v) // scalars always encode
				cr.allowed = append(cr.allowed, v)
				cr.raw = append(cr.raw, b)
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
// is set; ActualValue is the
// session's value (omitted when absent or when it would not fit the size
// budget).
type ClaimReason struct {
	Message                       string            `json:"message"`
	ExpectedToInclude             string            `json:"expectedToInclude,omitempty"`
	ExpectedToBeOneOf             []json.RawMessage `json:"expectedToBeOneOf,omitempty"`
	ExpectedToIncludeAtLeastOneOf []json.RawMessage `json:"expectedToIncludeAtLeastOneOf,omitempty"`
	ActualValue                   any               `json:"actualValue,omitempty"`
}

// Check applies every rule matching method and path to a session's roles and
// custom claims (a JSON object) and returns the failures, nil when the
// request may pass. Claims that are not a JSON object count as absent.
func (r Rules) Check(method, path string, roles []string, claims json.RawMessage) []ClaimValidationError {
	return r.check(method, [2]string{path, path}, roles, claims)
}

// check is Check for a request known by two spellings of its path: a rule
// applies when it matches either, so the second spelling can only add
// restrictions. The two are usually the same, and then cleaned and matched
// once.
func (r Rules) check(method string, paths [2]string, roles []string, claims json.RawMessage) []ClaimValidationError {
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
	var cv claimsView
	decoded := false
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
			if !contains(roles, want) {
				errs = append(errs, ClaimValidationError{ID: "roles", Reason: ClaimReason{
					Message: "wrong value", ExpectedToInclude: want, ActualValue: actual}})
			}
		}
		if len(c.anyRoles) > 0 && !containsAny(roles, c.anyRoles) {
			errs = append(errs, ClaimValidationError{ID: "roles", Reason: ClaimReason{
				Message: "wrong value", ExpectedToIncludeAtLeastOneOf: c.anyRaw, ActualValue: actual}})
		}
		if len(c.claims) > 0 && !decoded {
			decoded = true
			cv = newClaimsView(claims)
		}
		for _, cr := range c.claims {
			v, present := cv.get(cr.name)
			if e, ok := cr.check(v, present); !ok {
				errs = append(errs, e)
			}
		}
	}
	return errs
}

// claimsView reads a session's custom claims as decoding them into a
// map[string]any with json.Decoder would (the last of repeated names wins;
// claims that are not a JSON object have no names), but for claims that are
// exactly one JSON value, as the session engine stores them, it decodes only
// the values the rules ask for (FuzzClaimsView holds it to the map).
type claimsView struct {
	obj []byte         // the claims, when they are one valid JSON object
	m   map[string]any // otherwise, the decoder's map (nil when it fails)
}

func newClaimsView(claims json.RawMessage) claimsView {
	if validJSON(claims) {
		if obj := claims[skipWS(claims, 0):]; obj[0] == '{' {
			return claimsView{obj: obj}
		}
		return claimsView{} // null, an array or a scalar
	}
	// Not one JSON value: the decoder still reads a valid value at the
	// start and ignores what follows.
	var m map[string]any
	if json.NewDecoder(bytes.NewReader(claims)).Decode(&m) != nil {
		m = nil
	}
	return claimsView{m: m}
}

// get returns the value of the claim called name, and whether it is there.
func (cv claimsView) get(name string) (any, bool) {
	if cv.obj == nil {
		v, ok := cv.m[name]
		return v, ok
	}
	var raw []byte
	_, _ = walkObject(cv.obj, 0, func(key []byte, v int) (int, error) {
		end, err := skip(cv.obj, v, 1)
		if err == nil && keyEquals(key, name) {
			raw = cv.obj[v:end]
		}
		return end, err
	})
	if raw == nil {
		return nil, false
	}
	return decodeValue(raw), true
}

// decodeValue decodes one valid JSON value as json.Unmarshal into an any
// would. Rules name claims that are usually a plain string or a literal,
// which are read directly; anything else goes to encoding/json.
func decodeValue(raw []byte) any {
	switch string(raw) {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if raw[0] == '"' {
		if inner := raw[1 : len(raw)-1]; plainEnd(inner, 0) == len(inner) && utf8.Valid(inner) {
			return string(inner)
		}
	}
	var v any
	_ = json.Unmarshal(raw, &v) // a valid JSON value always decodes into any
	return v
}

// keyEquals reports whether the JSON string rawKey (quotes included)
// decodes to name.
func keyEquals(rawKey []byte, name string) bool {
	inner := rawKey[1 : len(rawKey)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner) == name
	}
	s, err := unquote(rawKey) // escapes or invalid UTF-8: decode
	return err == nil && s == name
}

func (cr claimRule) check(v any, present bool) (ClaimValidationError, bool) {
	if !present || v == nil {
		return ClaimValidationError{ID: cr.name, Reason: ClaimReason{
			Message: "value does not exist", ExpectedToBeOneOf: cr.raw}}, false
	}
	if arr, isArr := v.([]any); isArr {
		for _, e := range arr {
			if cr.allows(e) {
				return ClaimValidationError{}, true
			}
		}
		return ClaimValidationError{ID: cr.name, Reason: ClaimReason{
			Message: "wrong value", ExpectedToIncludeAtLeastOneOf: cr.raw, ActualValue: v}}, false
	}
	if cr.allows(v) {
		return ClaimValidationError{}, true
	}
	return ClaimValidationError{ID: cr.name, Reason: ClaimReason{
		Message: "wrong value", ExpectedToBeOneOf: cr.raw, ActualValue: v}}, false
}

// allows reports whether v, a value decoded from JSON, encodes to the same
// JSON as one of the allowed values.
func (cr claimRule) allows(v any) bool {
	for _, a := range cr.allowed {
		if sameJSONScalar(a, v) {
			return true
		}
	}
	return false
}

// sameJSONScalar reports whether json.Marshal gives the same text for a and
// b, of which a is a string, float64 or bool and both come from decoding
// JSON, without encoding them. For such values the encoding is one-to-one
// except that it tells 0 from -0, which == does not: strings decoded from
// JSON are valid UTF-8 (the one thing the encoding would merge is invalid
// bytes with U+FFFD), and a float64's shortest round-trip text differs for
// every other pair of values. FuzzClaimsView checks it against json.Marshal.
func sameJSONScalar(a, b any) bool {
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		return ok && a == b
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case float64:
		b, ok := b.(float64)
		return ok && a == b && math.Signbit(a) == math.Signbit(b)
	}
	return false
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

// containsAny reports whether list holds at least one of want.
func containsAny(list, want []string) bool {
	for _, w := range want {
		if contains(list, w) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
