package session

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what a session may hold. They keep cookies, headers and the
// authorizer's context inside API Gateway's 10 KB header budget.
const (
	MaxUserIDBytes = 255
	MaxRoles       = 32
	MaxRoleBytes   = 64
	MaxClaimsBytes = 4096
)

// HeaderBudget is the most bytes of request line and headers that API
// Gateway accepts (REST and HTTP APIs alike: 10240). A request that reached
// the authorizer or the session API through API Gateway fits in it, so
// every cookie it carries lies within the first HeaderBudget bytes of its
// cookies: the Manager reads copies of a cookie in header order while
// their CookieCopySize sum stays within it (CookieCopiesInBudget), and
// ignores the rest. No bound lower than the gateway's own lets junk copies
// in front hide a valid one; this one bounds the work a request can cause.
const HeaderBudget = 10240

// CookieCopySize is what one copy of cookie name with value takes in a
// Cookie header, counted as "name=value; ": len(name)+1+len(value)+2.
func CookieCopySize(name, value string) int { return len(name) + 1 + len(value) + 2 }

// CookieCopiesInBudget returns the leading copies of cookie name, in
// header order, whose CookieCopySize sum is at most HeaderBudget: the
// copies a request that passed API Gateway can have carried, and the only
// ones the Manager considers. It returns a prefix of values (no copy).
func CookieCopiesInBudget(name string, values []string) []string {
	used := 0
	for i, v := range values {
		if used += CookieCopySize(name, v); used > HeaderBudget {
			return values[:i]
		}
	}
	return values
}

// Manager creates, validates, refreshes and revokes sessions. It is safe for
// concurrent use. Build it once per process with NewManager.
type Manager struct {
	cfg   Config
	store Store
	codec codec
	now   func() time.Time
	rand  io.Reader
}

// Option changes how NewManager builds a Manager.
type Option func(*Manager)

// WithClock injects the clock (tests move it instead of sleeping).
func WithClock(now func() time.Time) Option { return func(m *Manager) { m.now = now } }

// WithRand injects the source of session handles (crypto/rand by default).
func WithRand(r io.Reader) Option { return func(m *Manager) { m.rand = r } }

// NewManager validates cfg and returns a Manager over store.
func NewManager(cfg Config, store Store, opts ...Option) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, invalidf("nil store")
	}
	m := &Manager{
		cfg:   cfg,
		store: store,
		codec: newCodec(cfg.Keys, int(cfg.AbsoluteTimeout/time.Second)+60),
		now:   time.Now,
		rand:  rand.Reader,
	}
	for _, o := range opts {
		o(m)
	}
	return m, nil
}

// Config returns the configuration the Manager was built with.
func (m *Manager) Config() Config { return m.cfg }

func (m *Manager) policy() Policy {
	return Policy{AccessTTL: m.cfg.AccessTTL, RotateAfter: m.cfg.RotateAfter, Grace: m.cfg.Grace, IdleTimeout: m.cfg.IdleTimeout}
}

// CreateInput describes a new session.
type CreateInput struct {
	UserID string
	Roles  []string
	Claims map[string]any
	// Previous holds the access cookie values the client presented, if any.
	// Their sessions are revoked before the new one is created, so a session
	// id planted before sign-in never survives it (no fixation).
	Previous []string
	// UserAgent is the sign-in request's User-Agent header, or "". Only
	// its summary (SummarizeUserAgent) is stored, to show the user which
	// session is which (Manager.Sessions).
	UserAgent string
}

// Tokens is what a client receives when a session is created or refreshed:
// two cookies (send them as two Set-Cookie lines, never comma-joined) and a
// front-token header value.
type Tokens struct {
	SessionID    string
	UserID       string
	Access       *http.Cookie
	Refresh      *http.Cookie
	FrontToken   string
	AccessExpiry time.Time
	// Evicted lists the sessions of the user that this sign-in ended
	// because the user had Config.MaxSessionsPerUser already (the least
	// recently used ones). Empty on a refresh.
	Evicted []string
}

// Validated is a successful validation.
type Validated struct {
	SessionID    string
	UserID       string
	Roles        []string
	Claims       json.RawMessage // JSON object text
	AccessExpiry time.Time
	// SetCookie is non-nil when the client must store a newer access
	// cookie: the access token was rotated, or a generation just rotated
	// out was presented inside the grace window and the current one is
	// handed back, or the cookie's hints changed (its first validation
	// after a refresh recorded the refresh token as used, or it predates
	// the hints). FrontToken then holds its front-token. Both are nil and
	// "" otherwise.
	SetCookie  *http.Cookie
	FrontToken string
}

// ValidateUserID reports whether id is acceptable as a user id: non-empty,
// at most 255 bytes of UTF-8, no control characters.
func ValidateUserID(id string) error {
	switch {
	case id == "":
		return invalidf("user id is empty")
	case len(id) > MaxUserIDBytes:
		return invalidf("user id is %d bytes, more than %d", len(id), MaxUserIDBytes)
	case !utf8.ValidString(id):
		return invalidf("user id is not valid UTF-8")
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return invalidf("user id contains a control character")
		}
	}
	return nil
}

// ValidateRoles checks role names: at most 32, each 1–64 bytes of
// [A-Za-z0-9_.:@/-] (no commas: roles travel comma-joined in headers).
func ValidateRoles(roles []string) error {
	if len(roles) > MaxRoles {
		return invalidf("%d roles, more than %d", len(roles), MaxRoles)
	}
	for _, r := range roles {
		if r == "" || len(r) > MaxRoleBytes {
			return invalidf("role %q must be 1 to %d bytes", r, MaxRoleBytes)
		}
		for _, c := range []byte(r) {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.:@/-", c) >= 0
			if !ok {
				return invalidf("role %q may only contain letters, digits and _.:@/-", r)
			}
		}
	}
	return nil
}

// EncodeClaims validates custom claims and returns their JSON object text.
func EncodeClaims(claims map[string]any) ([]byte, error) {
	if len(claims) == 0 {
		return []byte("{}"), nil
	}
	for k := range claims {
		if k == "" || !utf8.ValidString(k) {
			return nil, invalidf("claim names must be non-empty UTF-8")
		}
		if _, reserved := reservedPayload[k]; reserved {
			return nil, invalidf("claim name %q is reserved", k)
		}
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return nil, invalidf("claims are not JSON-encodable: %v", err)
	}
	if len(b) > MaxClaimsBytes {
		return nil, invalidf("claims are %d bytes of JSON, more than %d", len(b), MaxClaimsBytes)
	}
	return b, nil
}

var reservedPayload = map[string]struct{}{"iat": {}, "exp": {}, "sub": {}, "roles": {}, "sessionId": {}}

// Create starts a session for a user and returns the cookies and front-token
// to send. Sessions named by in.Previous are revoked first.
func (m *Manager) Create(ctx context.Context, in CreateInput) (Tokens, error) {
	if err := ValidateNewUserID(in.UserID); err != nil {
		return Tokens{}, err
	}
	if err := ValidateRoles(in.Roles); err != nil {
		return Tokens{}, err
	}
	claims, err := EncodeClaims(in.Claims)
	if err != nil {
		return Tokens{}, err
	}
	if len(in.Previous) > 0 {
		var buf [4]token
		prev, err := m.decodeCopies(m.cfg.AccessCookieName, in.Previous, buf[:0])
		if errors.Is(err, ErrStore) {
			return Tokens{}, err // the codec failed: fail closed
		}
		for _, t := range prev {
			if _, err := m.store.Revoke(ctx, t.sessionID()); err != nil {
				return Tokens{}, storeErr("revoke previous session", err)
			}
		}
	}
	t := token{tag: userTag(in.UserID), gen: 1}
	if _, err := io.ReadFull(m.rand, t.handle[:]); err != nil {
		return Tokens{}, &StoreError{Op: "random handle", Err: err}
	}
	now := m.now()
	rec := Record{
		ID:          t.sessionID(),
		UserID:      in.UserID,
		Roles:       in.Roles,
		Claims:      claims,
		CreatedAt:   now,
		AbsoluteEnd: now.Add(m.cfg.AbsoluteTimeout),
		IdleTimeout: m.cfg.IdleTimeout,
		MaxPerUser:  m.cfg.MaxSessionsPerUser,
		Agent:       SummarizeUserAgent(in.UserAgent),
	}
	evicted, err := m.store.Create(ctx, rec)
	if err != nil {
		return Tokens{}, storeErr("create", err)
	}
	st := State{UserID: in.UserID, Roles: in.Roles, Claims: claims, AccessGen: 1, AccessIssued: now, RefreshGen: 1,
		AbsoluteEnd: rec.AbsoluteEnd, IdleExpiresAt: now.Add(m.cfg.IdleTimeout)}
	tok, err := m.tokens(t, rec.ID, st, now)
	if err != nil {
		return Tokens{}, err
	}
	tok.Evicted = evicted
	return tok, nil
}

// tokens makes the cookies of session id, named by t's handle and tag,
// in state st.
func (m *Manager) tokens(t token, id string, st State, now time.Time) (Tokens, error) {
	ac, err := m.accessCookie(t, st, now)
	if err != nil {
		return Tokens{}, err
	}
	rv, err := m.codec.encode(m.cfg.RefreshCookieName, token{handle: t.handle, tag: t.tag, gen: st.RefreshGen})
	if err != nil {
		return Tokens{}, &StoreError{Op: "encode refresh cookie", Err: err}
	}
	rc := m.cookie(m.cfg.RefreshCookieName, rv, m.cfg.RefreshCookiePath(), lifetime(st, now))
	exp := st.AccessIssued.Add(m.cfg.AccessTTL)
	return Tokens{SessionID: id, UserID: st.UserID, Access: ac, Refresh: rc, FrontToken: m.frontToken(id, st), AccessExpiry: exp}, nil
}

func (m *Manager) accessCookie(t token, st State, now time.Time) (*http.Cookie, error) {
	v, err := m.codec.encode(m.cfg.AccessCookieName, accessToken(t.handle, t.tag, st))
	if err != nil {
		return nil, &StoreError{Op: "encode access cookie", Err: err}
	}
	return m.cookie(m.cfg.AccessCookieName, v, "/", lifetime(st, now)), nil
}

// lifetime is how long the browser keeps a cookie: the session's remaining
// life, longer than the access token's validity so that "expired" (401,
// refresh) differs from "absent".
func lifetime(st State, now time.Time) time.Duration {
	end := st.AbsoluteEnd
	if !st.IdleExpiresAt.IsZero() && st.IdleExpiresAt.Before(end) {
		end = st.IdleExpiresAt
	}
	return end.Sub(now)
}

func (m *Manager) cookie(name, value, path string, life time.Duration) *http.Cookie {
	secs := int(life / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &http.Cookie{Name: name, Value: value, Path: path, Domain: m.cfg.CookieDomain, MaxAge: secs,
		Secure: !m.cfg.InsecureCookies, HttpOnly: true, SameSite: m.cfg.CookieSameSite}
}

// ClearCookies returns the two Set-Cookie values that delete the access and
// refresh cookies: same name, Path and Domain, Max-Age=0 and an Expires in
// the past.
func (m *Manager) ClearCookies() []*http.Cookie {
	mk := func(name, path string) *http.Cookie {
		return &http.Cookie{Name: name, Value: "", Path: path, Domain: m.cfg.CookieDomain, MaxAge: -1,
			Expires: time.Unix(0, 0).UTC(), Secure: !m.cfg.InsecureCookies, HttpOnly: true, SameSite: m.cfg.CookieSameSite}
	}
	return []*http.Cookie{mk(m.cfg.AccessCookieName, "/"), mk(m.cfg.RefreshCookieName, m.cfg.RefreshCookiePath())}
}

// FrontTokenRemove is the front-token header value that ends the SDK's
// local session state.
const FrontTokenRemove = "remove"

// frontToken renders the front-token header: standard base64 of
// {"uid":…,"ate":ms,"up":{…claims,"sub","sessionId","roles","iat","exp"}}.
func (m *Manager) frontToken(id string, st State) string {
	exp := st.AccessIssued.Add(m.cfg.AccessTTL)
	var buf bytes.Buffer
	buf.WriteString(`{"uid":`)
	writeJSON(&buf, st.UserID)
	buf.WriteString(`,"ate":`)
	buf.WriteString(strconv.FormatInt(exp.UnixMilli(), 10))
	buf.WriteString(`,"up":{`)
	if c := bytes.TrimSpace(st.Claims); len(c) > 2 && c[0] == '{' {
		buf.Write(c[1 : len(c)-1])
		buf.WriteByte(',')
	}
	buf.WriteString(`"sub":`)
	writeJSON(&buf, st.UserID)
	buf.WriteString(`,"sessionId":`)
	writeJSON(&buf, id)
	buf.WriteString(`,"roles":`)
	roles := st.Roles
	if roles == nil {
		roles = []string{}
	}
	writeJSON(&buf, roles)
	buf.WriteString(`,"iat":`)
	buf.WriteString(strconv.FormatInt(st.AccessIssued.Unix(), 10))
	buf.WriteString(`,"exp":`)
	buf.WriteString(strconv.FormatInt(exp.Unix(), 10))
	buf.WriteString(`}}`)
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func writeJSON(buf *bytes.Buffer, v any) {
	b, _ := json.Marshal(v) // strings and []string always encode
	buf.Write(b)
}

// Validate checks one access cookie value: the hot path of the authorizer.
// It costs one securecookie decode and one store round trip.
func (m *Manager) Validate(ctx context.Context, value string) (*Validated, error) {
	return m.ValidateAny(ctx, []string{value})
}

// ValidateAny validates the access cookie when a request carries several
// cookies of the same name — cookie tossing from a sibling domain or over
// plain http, or an old cookie at another Path. The rule (docs/protocol.md,
// "Several cookies of one name"):
//
//   - Copies are read in header order within HeaderBudget
//     (CookieCopiesInBudget); later ones are ignored. A copy that does not
//     decode is skipped: junk never hides a valid copy.
//   - Authentic copies are grouped by session; of each session, the copy
//     with the highest generation is validated.
//   - With several sessions, their owners are read first (Store.Info,
//     which writes nothing and ignores access expiry): live sessions of
//     more than one user are ErrAmbiguous (an ErrUnknown), whichever came
//     first and whether or not each token is still valid, so a planted
//     session can neither swap the user (beside the user's own expired
//     token) nor make the user's session rotate. Live sessions of one
//     user: the first copy that validates, in header order, answers; the
//     ones after it are not validated (nor rotated).
//   - A store failure (reading an owner, or validating) fails the request
//     (fail closed, cookies kept): an owner not read might have been
//     another user's. No valid session: the most telling failure,
//     ErrExpired before ErrUnknown.
//
// With no value at all it returns ErrNoSession. One value costs what
// Validate costs: one decode and one store call, nothing allocated for
// the rule.
func (m *Manager) ValidateAny(ctx context.Context, values []string) (*Validated, error) {
	switch len(values) {
	case 0:
		return nil, ErrNoSession
	case 1:
		t, err := m.codec.decode(m.cfg.AccessCookieName, values[0])
		if err != nil {
			return nil, err
		}
		return m.validateToken(ctx, t)
	}
	var buf [8]token
	toks, best := m.decodeCopies(m.cfg.AccessCookieName, values, buf[:0])
	if len(toks) > 1 {
		// Owners first, writing nothing: a live session counts whether or
		// not its access token is still valid, so that the user's own
		// session with an expired token (15 minutes idle) beside a planted
		// valid one is two users, not the planted one; and nothing is
		// rotated when the answer is ErrAmbiguous.
		if _, err := m.onlyOwner(ctx, toks); err != nil {
			return nil, err
		}
	}
	// Every live session presented is now the one user's: the first copy
	// that validates answers, and the ones after it are not touched.
	for _, t := range toks {
		v, err := m.validateToken(ctx, t)
		if err == nil {
			return v, nil
		}
		if errors.Is(err, ErrStore) {
			return nil, err // fail closed: 5xx, cookies kept
		}
		best = worse(best, err)
	}
	return nil, best
}

// decodeCopies decodes the copies of cookie name within HeaderBudget and
// appends to dst one token per session, in the order of each session's
// first copy: the one with the highest generation. It returns them with
// the most telling failure of the copies that did not decode (ErrUnknown
// when there was none, or nothing to go on).
func (m *Manager) decodeCopies(name string, values []string, dst []token) ([]token, error) {
	var best error = ErrUnknown
	for _, v := range CookieCopiesInBudget(name, values) {
		t, err := m.codec.decode(name, v)
		if err != nil {
			best = worse(best, err) // ErrUnknown never shadows; a codec failure wins
			continue
		}
		seen := false
		for i := range dst {
			if dst[i].sameSession(t) {
				if t.gen > dst[i].gen {
					dst[i] = t
				}
				seen = true
				break
			}
		}
		if !seen {
			dst = append(dst, t)
		}
	}
	return dst, best
}

// worse orders failures by how much they tell the caller.
func worse(a, b error) error {
	rank := func(e error) int {
		switch {
		case errors.Is(e, ErrStore):
			return 3
		case errors.Is(e, ErrExpired):
			return 2
		default:
			return 1
		}
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// errOtherSession: a Store's Validate answered with a State of another
// session than the one asked for (State.SessionID), a broken store.
var errOtherSession = errors.New("the store answered for another session")

func (m *Manager) validateToken(ctx context.Context, t token) (*Validated, error) {
	want := t.id()
	now := m.now()
	st, err := m.store.Validate(ctx, want, t.access(), now, m.policy())
	if err != nil {
		return nil, storeErr("validate", err)
	}
	// The id's string is the store's (ID); it must name this session.
	id := st.SessionID
	if id != string(want[:]) {
		return nil, &StoreError{Op: "validate", Err: errOtherSession}
	}
	v := &Validated{SessionID: id, UserID: st.UserID, Roles: st.Roles, Claims: st.Claims,
		AccessExpiry: st.AccessIssued.Add(m.cfg.AccessTTL)}
	// A new cookie when the generation changed (rotated, or handed back
	// inside the grace window), or when the cookie's hints no longer match
	// the session, so that its next validation takes the cheapest path.
	if nt := accessToken(t.handle, t.tag, st); nt != t {
		c, err := m.accessCookie(t, st, now)
		if err != nil {
			return nil, err
		}
		v.SetCookie = c
		v.FrontToken = m.frontToken(id, st)
	}
	return v, nil
}

// Refresh rotates the refresh token named by one refresh cookie value and
// returns the new cookies (docs/protocol.md, "Refresh rotation").
func (m *Manager) Refresh(ctx context.Context, value string) (Tokens, error) {
	return m.RefreshAny(ctx, []string{value})
}

// RefreshAny is Refresh over every copy of the refresh cookie a request
// carried. Copies are read as ValidateAny reads them (within HeaderBudget,
// junk skipped, one per session: the highest generation presented). With
// one session, it is refreshed. With several, each is looked up first
// with Store.Info, which writes nothing: live sessions of more than one
// user are ErrAmbiguous, and nothing is rotated and no theft decided —
// a planted refresh cookie can neither swap the user nor get the victim's
// session revoked; otherwise the first live one (in header order) is
// refreshed. ErrNoSession with no value; ErrUnknown when no session is
// live.
func (m *Manager) RefreshAny(ctx context.Context, values []string) (Tokens, error) {
	if len(values) == 0 {
		return Tokens{}, ErrNoSession
	}
	var buf [8]token
	toks, best := m.decodeCopies(m.cfg.RefreshCookieName, values, buf[:0])
	return m.refreshTokens(ctx, toks, best)
}

// RefreshCookies is RefreshAny for the cookie transport, bound to the
// access cookie: only a refresh token of a session that an authentic copy
// of the access cookie in the same request also names (any generation,
// expired or not) is considered. The refresh cookie is scoped to the
// refresh route's Path, so it can be __Secure- but never __Host-, and a
// sibling host served over https could plant one with a Domain attribute
// (a login swap when the user has no session of their own). The access
// cookie is __Host- by default and cannot be planted; it is sent to the
// refresh route too (Path=/), and it lives as long as the refresh cookie
// (both are set with the session's remaining life at every refresh, and
// the access cookie again at every rotation). ErrUnbound (an ErrUnknown)
// when refresh cookies decode but none is bound; nothing is written then.
// Header mode needs no binding: a client's own storage cannot be planted
// by another host (RefreshAny).
func (m *Manager) RefreshCookies(ctx context.Context, refresh, access []string) (Tokens, error) {
	if len(refresh) == 0 {
		return Tokens{}, ErrNoSession
	}
	var rbuf, abuf [8]token
	toks, best := m.decodeCopies(m.cfg.RefreshCookieName, refresh, rbuf[:0])
	acc, aerr := m.decodeCopies(m.cfg.AccessCookieName, access, abuf[:0])
	if errors.Is(aerr, ErrStore) {
		return Tokens{}, aerr // the codec failed: fail closed, cookies kept
	}
	bound := toks[:0]
	for _, t := range toks {
		for _, a := range acc {
			if a.sameSession(t) {
				bound = append(bound, t)
				break
			}
		}
	}
	if len(toks) > 0 && len(bound) == 0 {
		return Tokens{}, ErrUnbound
	}
	return m.refreshTokens(ctx, bound, best)
}

// refreshTokens refreshes one of toks (decoded refresh tokens, one per
// session, in header order) by RefreshAny's rule; best is the failure to
// answer when there is none.
func (m *Manager) refreshTokens(ctx context.Context, toks []token, best error) (Tokens, error) {
	if len(toks) == 0 {
		return Tokens{}, best
	}
	t := toks[0]
	if len(toks) > 1 {
		chosen, err := m.onlyOwner(ctx, toks)
		if err != nil {
			return Tokens{}, err
		}
		t = toks[chosen]
	}
	now := m.now()
	id := t.sessionID()
	st, err := m.store.Refresh(ctx, id, t.gen, now, m.policy())
	if errors.Is(err, ErrTheft) {
		te := &TheftError{SessionID: id}
		if se, ok := errors.AsType[*TheftError](err); ok {
			te.UserID = se.UserID
		}
		return Tokens{}, te
	}
	if err != nil {
		return Tokens{}, storeErr("refresh", err)
	}
	return m.tokens(t, id, st, now)
}

// onlyOwner looks up the sessions of toks without writing and returns the
// index of the first live one, or ErrAmbiguous when live ones belong to
// more than one user, ErrUnknown when none is live, or the store's
// failure.
func (m *Manager) onlyOwner(ctx context.Context, toks []token) (int, error) {
	chosen, owner := -1, ""
	now := m.now()
	for i, t := range toks {
		info, err := m.store.Info(ctx, t.sessionID(), now)
		if errors.Is(err, ErrUnknown) || errors.Is(err, ErrExpired) {
			continue
		}
		if err != nil {
			return 0, storeErr("info", err)
		}
		switch {
		case chosen < 0:
			chosen, owner = i, info.UserID
		case info.UserID != owner:
			return 0, ErrAmbiguous
		}
	}
	if chosen < 0 {
		return 0, ErrUnknown
	}
	return chosen, nil
}

// SignOut revokes every session named by an authentic copy of the access
// cookie (read as ValidateAny reads them), and returns their ids: of a
// victim's session and one tossed beside it, neither survives. The access
// tokens may be expired: signing out needs only proof of the session.
// ErrNoSession with no value; ErrUnknown when no session was revoked. A
// store failure returns it (ErrStore) with the ids revoked before: the
// caller answers 5xx, and a retry revokes the rest.
func (m *Manager) SignOut(ctx context.Context, values []string) ([]string, error) {
	if len(values) == 0 {
		return nil, ErrNoSession
	}
	var buf [8]token
	toks, best := m.decodeCopies(m.cfg.AccessCookieName, values, buf[:0])
	var ids []string
	var failed error
	for _, t := range toks {
		id := t.sessionID()
		ok, err := m.store.Revoke(ctx, id)
		if err != nil {
			failed = storeErr("revoke", err)
			continue
		}
		if ok {
			ids = append(ids, id)
		}
	}
	switch {
	case failed != nil:
		return ids, failed
	case len(ids) == 0:
		return nil, best
	}
	return ids, nil
}

// Revoke ends one session by its public id.
func (m *Manager) Revoke(ctx context.Context, sessionID string) (bool, error) {
	ok, err := m.store.Revoke(ctx, sessionID)
	return ok, storeErr("revoke", err)
}

// RevokeUser ends every session of a user ("log out everywhere"),
// atomically with respect to a concurrent sign-in (Store.RevokeUser).
func (m *Manager) RevokeUser(ctx context.Context, userID string) (int, error) {
	if err := ValidateUserID(userID); err != nil {
		return 0, err
	}
	n, err := m.store.RevokeUser(ctx, userID, "")
	return n, storeErr("revoke user", err)
}

// ListUser lists a user's live sessions.
func (m *Manager) ListUser(ctx context.Context, userID string) ([]Info, error) {
	if err := ValidateUserID(userID); err != nil {
		return nil, err
	}
	l, err := m.store.ListUser(ctx, userID, m.now())
	return l, storeErr("list user", err)
}

// SetUserClaims replaces roles and custom claims on every session of a user;
// each session sees them on its next validation, with no token re-issue.
func (m *Manager) SetUserClaims(ctx context.Context, userID string, roles []string, claims map[string]any) (int, error) {
	if err := ValidateUserID(userID); err != nil {
		return 0, err
	}
	if err := ValidateRoles(roles); err != nil {
		return 0, err
	}
	c, err := EncodeClaims(claims)
	if err != nil {
		return 0, err
	}
	n, err := m.store.SetClaims(ctx, userID, roles, c)
	return n, storeErr("set claims", err)
}

// TokenInfo is what an access or refresh cookie names, for tests, operator
// tools and logs (the session id is not a secret; the handle never leaves).
type TokenInfo struct {
	SessionID  string
	Generation uint64
}

// InspectAccess authenticates and decrypts an access cookie value without
// consulting the store. ErrUnknown when it does not decode; a *StoreError
// wrapping ErrCodec when the codec itself failed.
func (m *Manager) InspectAccess(value string) (TokenInfo, error) {
	t, err := m.codec.decode(m.cfg.AccessCookieName, value)
	if err != nil {
		return TokenInfo{}, err
	}
	return TokenInfo{SessionID: t.sessionID(), Generation: t.gen}, nil
}

// InspectRefresh is InspectAccess for a refresh cookie value.
func (m *Manager) InspectRefresh(value string) (TokenInfo, error) {
	t, err := m.codec.decode(m.cfg.RefreshCookieName, value)
	if err != nil {
		return TokenInfo{}, err
	}
	return TokenInfo{SessionID: t.sessionID(), Generation: t.gen}, nil
}
