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

// maxStoreCandidates bounds how many decodable duplicate cookies are tried
// against the store in one call.
const maxStoreCandidates = 4

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
	for _, v := range in.Previous {
		t, err := m.codec.decode(m.cfg.AccessCookieName, v)
		if errors.Is(err, ErrUnknown) {
			continue // nothing of ours to revoke
		}
		if err != nil {
			return Tokens{}, err // the codec failed: fail closed
		}
		if _, err := m.store.Revoke(ctx, t.sessionID()); err != nil {
			return Tokens{}, storeErr("revoke previous session", err)
		}
	}
	var t token
	if _, err := io.ReadFull(m.rand, t.handle[:]); err != nil {
		return Tokens{}, &StoreError{Op: "random handle", Err: err}
	}
	t.gen = 1
	now := m.now()
	rec := Record{
		ID:          t.sessionID(),
		UserID:      in.UserID,
		Roles:       in.Roles,
		Claims:      claims,
		CreatedAt:   now,
		AbsoluteEnd: now.Add(m.cfg.AbsoluteTimeout),
		IdleTimeout: m.cfg.IdleTimeout,
	}
	if err := m.store.Create(ctx, rec); err != nil {
		return Tokens{}, storeErr("create", err)
	}
	st := State{UserID: in.UserID, Roles: in.Roles, Claims: claims, AccessGen: 1, AccessIssued: now, RefreshGen: 1,
		AbsoluteEnd: rec.AbsoluteEnd, IdleExpiresAt: now.Add(m.cfg.IdleTimeout)}
	return m.tokens(t.handle, rec.ID, st, now)
}

func (m *Manager) tokens(handle [16]byte, id string, st State, now time.Time) (Tokens, error) {
	ac, err := m.accessCookie(handle, st, now)
	if err != nil {
		return Tokens{}, err
	}
	rv, err := m.codec.encode(m.cfg.RefreshCookieName, token{handle: handle, gen: st.RefreshGen})
	if err != nil {
		return Tokens{}, &StoreError{Op: "encode refresh cookie", Err: err}
	}
	rc := m.cookie(m.cfg.RefreshCookieName, rv, m.cfg.RefreshCookiePath(), lifetime(st, now))
	exp := st.AccessIssued.Add(m.cfg.AccessTTL)
	return Tokens{SessionID: id, UserID: st.UserID, Access: ac, Refresh: rc, FrontToken: m.frontToken(id, st), AccessExpiry: exp}, nil
}

func (m *Manager) accessCookie(handle [16]byte, st State, now time.Time) (*http.Cookie, error) {
	v, err := m.codec.encode(m.cfg.AccessCookieName, accessToken(handle, st))
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
// cookies of the same name (cookie tossing from a sibling domain, or an old
// cookie at another Path): every copy that decodes is tried, the first valid
// one wins, and an undecodable copy never shadows a good one. With no value
// at all it returns ErrNoSession. When no copy is valid the most telling
// outcome is returned: a store failure first (fail closed, cookies kept),
// then ErrExpired, then ErrUnknown.
func (m *Manager) ValidateAny(ctx context.Context, values []string) (*Validated, error) {
	if len(values) == 0 {
		return nil, ErrNoSession
	}
	var best error = ErrUnknown
	tried := 0
	for _, v := range values {
		t, err := m.codec.decode(m.cfg.AccessCookieName, v)
		if err != nil {
			best = worse(best, err) // ErrUnknown never shadows; a codec failure wins
			continue
		}
		if tried++; tried > maxStoreCandidates {
			break
		}
		res, err := m.validateToken(ctx, t)
		if err == nil {
			return res, nil
		}
		best = worse(best, err)
	}
	return nil, best
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
	if nt := accessToken(t.handle, st); nt != t {
		c, err := m.accessCookie(t.handle, st, now)
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
// carried, with ValidateAny's rules for duplicates. ErrTheft wins over other
// failures: the session has then been revoked.
func (m *Manager) RefreshAny(ctx context.Context, values []string) (Tokens, error) {
	if len(values) == 0 {
		return Tokens{}, ErrNoSession
	}
	var best error = ErrUnknown
	tried := 0
	for _, v := range values {
		t, err := m.codec.decode(m.cfg.RefreshCookieName, v)
		if err != nil {
			if !errors.Is(best, ErrTheft) {
				best = worse(best, err)
			}
			continue
		}
		if tried++; tried > maxStoreCandidates {
			break
		}
		now := m.now()
		id := t.sessionID()
		st, err := m.store.Refresh(ctx, id, t.gen, now, m.policy())
		if err == nil {
			return m.tokens(t.handle, id, st, now)
		}
		err = storeErr("refresh", err)
		if errors.Is(err, ErrTheft) {
			best = err
			continue
		}
		if !errors.Is(best, ErrTheft) {
			best = worse(best, err)
		}
	}
	return Tokens{}, best
}

// SignOut revokes the session named by an access cookie (any copy that
// decodes). The access token may be expired: signing out needs only proof
// of the session. ErrNoSession / ErrUnknown when there is nothing to revoke.
func (m *Manager) SignOut(ctx context.Context, values []string) (string, error) {
	if len(values) == 0 {
		return "", ErrNoSession
	}
	var best error = ErrUnknown
	for _, v := range values {
		t, err := m.codec.decode(m.cfg.AccessCookieName, v)
		if err != nil {
			best = worse(best, err)
			continue
		}
		id := t.sessionID()
		ok, err := m.store.Revoke(ctx, id)
		if err != nil {
			best = storeErr("revoke", err)
			continue
		}
		if ok {
			return id, nil
		}
	}
	return "", best
}

// Revoke ends one session by its public id.
func (m *Manager) Revoke(ctx context.Context, sessionID string) (bool, error) {
	ok, err := m.store.Revoke(ctx, sessionID)
	return ok, storeErr("revoke", err)
}

// RevokeUser ends every session of a user ("log out everywhere").
func (m *Manager) RevokeUser(ctx context.Context, userID string) (int, error) {
	if err := ValidateUserID(userID); err != nil {
		return 0, err
	}
	n, err := m.store.RevokeUser(ctx, userID)
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
