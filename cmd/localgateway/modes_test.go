package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/internal/redistest"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// One contract, two transports. docs/protocol.md ("Header mode") promises
// that every rule of "Session semantics" holds unchanged whether the tokens
// travel in cookies or in headers. TestContractInBothModes holds it to that:
// contractTable is written once, against modeClient, and run through the
// whole local gateway (authorizer, session API, echo and Lambda backends,
// a real redis-server, an injected clock) once with a browser-like cookie
// client and once with a header-mode app. The two clients differ only in
// how they carry credentials; every status, identity, generation and
// delivery the table asserts is the same for both, so a semantic difference
// between the modes fails one of the two runs.

// The lifetimes the gateway runs with, which the clock crosses.
const (
	contractAccessTTL   = 15 * time.Minute
	contractRotateAfter = 5 * time.Minute
	contractGrace       = 30 * time.Second
	contractIdle        = time.Hour
	contractAbsolute    = 3 * time.Hour
)

// contractRefreshPath is where the session API's refresh route is served
// (the example API at the root, API_BASE_PATH /auth), and so the refresh
// cookie's Path (docs/protocol.md, "Refresh cookie path").
const contractRefreshPath = "/auth/session/refresh"

// credentials are the two tokens a client holds ("" when it holds none),
// whichever way it carries them. The values are the same kind in both
// modes, so the Manager inspects either.
type credentials struct{ access, refresh string }

// delivery is what one answer did to a client's credentials, read from
// the mode's transport (Set-Cookie lines, or st-access-token and
// st-refresh-token headers).
type delivery struct {
	access, refresh             string // a new token ("" when none was set)
	clearsAccess, clearsRefresh bool   // told to forget the token
}

// modeClient is a client of one mode. Every method sends one request (no
// automatic refresh or retry: the table does those steps itself, to
// assert each one).
type modeClient interface {
	signIn(user string, roles ...string) result // the demo sign-in route
	call(method, path string) result            // an API call with the access token held
	refresh() result                            // POST /auth/session/refresh with the refresh token held
	signOut() result                            // POST /auth/signout with the access token held
	held() credentials                          // what the client holds now
	restore(credentials)                        // hold these instead (to replay an old token)
	delivered(r result) delivery                // what r delivered, in this mode's transport
}

// cookieModeClient is a browser: a cookie jar that keeps each cookie at its
// Path and sends it where a browser would, and rid on every POST (what the
// SDK sends in cookie mode). It never sends st-auth-mode or Authorization.
type cookieModeClient struct {
	t                       *testing.T
	c                       *client
	accessName, refreshName string
}

func newCookieModeClient(t *testing.T, base string, cfg session.Config) modeClient {
	return &cookieModeClient{t: t, c: newClient(t, base), accessName: cfg.AccessCookieName, refreshName: cfg.RefreshCookieName}
}

func (b *cookieModeClient) signIn(user string, roles ...string) result {
	b.t.Helper()
	body, _ := json.Marshal(map[string]any{"userId": user, "roles": roles})
	return b.c.do("POST", "/auth/demo/signin", string(body), "rid", "session")
}

func (b *cookieModeClient) call(method, path string) result {
	b.t.Helper()
	if method == http.MethodPost {
		return b.c.do(method, path, "", "rid", "session")
	}
	return b.c.do(method, path, "")
}

func (b *cookieModeClient) refresh() result {
	b.t.Helper()
	return b.c.do("POST", contractRefreshPath, "", "rid", "session")
}

func (b *cookieModeClient) signOut() result {
	b.t.Helper()
	return b.c.do("POST", "/auth/signout", "", "rid", "session")
}

func (b *cookieModeClient) held() credentials {
	return credentials{access: b.c.cookie("/", b.accessName), refresh: b.c.cookie(contractRefreshPath, b.refreshName)}
}

// restore puts the cookies into the jar at the Paths the session API sets
// them at (an empty value removes one), as a copy kept by someone else
// would be sent.
func (b *cookieModeClient) restore(cr credentials) {
	b.t.Helper()
	b.setCookie("/", b.accessName, cr.access)
	b.setCookie(contractRefreshPath, b.refreshName, cr.refresh)
}

func (b *cookieModeClient) setCookie(path, name, value string) {
	b.t.Helper()
	u, err := url.Parse(b.c.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	ck := &http.Cookie{Name: name, Value: value, Path: path, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if value == "" {
		ck.MaxAge = -1
	}
	b.c.hc.Jar.SetCookies(u, []*http.Cookie{ck})
}

// delivered reads the session cookies of r's Set-Cookie lines: a value sets
// a token, an empty value with Max-Age=0 clears it. A cookie-mode answer
// carrying header-mode tokens, a cookie of another name, or one cookie
// twice fails the test.
func (b *cookieModeClient) delivered(r result) delivery {
	b.t.Helper()
	for _, h := range []string{"st-access-token", "st-refresh-token"} {
		if len(r.Header.Values(h)) != 0 {
			b.t.Errorf("a cookie-mode answer carries %s", h)
		}
	}
	var d delivery
	seen := map[string]bool{}
	for _, line := range r.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err != nil {
			b.t.Errorf("Set-Cookie line for %s does not parse: %v", cookieName(line), err)
			continue
		}
		if seen[ck.Name] {
			b.t.Errorf("two Set-Cookie lines for %s in one answer", ck.Name)
		}
		seen[ck.Name] = true
		clears := ck.Value == "" && ck.MaxAge < 0
		if ck.Value == "" && !clears {
			b.t.Errorf("an empty %s cookie that does not clear it", ck.Name)
		}
		switch ck.Name {
		case b.accessName:
			d.access, d.clearsAccess = ck.Value, clears
		case b.refreshName:
			d.refresh, d.clearsRefresh = ck.Value, clears
		default:
			b.t.Errorf("an answer sets cookie %s", ck.Name)
		}
	}
	return d
}

// headerModeClient is an app in header mode: mobileClient (which keeps the
// tokens from st-access-token / st-refresh-token, an empty value meaning
// forget it, and sends Authorization: Bearer with st-auth-mode: header),
// one request per method. It keeps no cookies.
type headerModeClient struct{ m *mobileClient }

func newHeaderModeClient(t *testing.T, base string, _ session.Config) modeClient {
	return headerModeClient{m: newMobileClient(t, base)}
}

func (h headerModeClient) signIn(user string, roles ...string) result {
	h.m.t.Helper()
	return h.m.signIn(user, roles...)
}

func (h headerModeClient) call(method, path string) result {
	h.m.t.Helper()
	return h.m.send(method, path, "", h.m.access)
}

// refresh is mobileClient.refreshOnce without its own clearing on a 401:
// whether the tokens are forgotten is the answer's to say, and the table
// asserts it for both modes.
func (h headerModeClient) refresh() result {
	h.m.t.Helper()
	return h.m.send("POST", contractRefreshPath, "", h.m.refresh, "rid", "session")
}

func (h headerModeClient) signOut() result {
	h.m.t.Helper()
	return h.m.signOut()
}

func (h headerModeClient) held() credentials {
	return credentials{access: h.m.access, refresh: h.m.refresh}
}

func (h headerModeClient) restore(cr credentials) { h.m.access, h.m.refresh = cr.access, cr.refresh }

// delivered reads st-access-token and st-refresh-token (each at most once;
// an empty value clears). A header-mode answer that sets a cookie fails the
// test.
func (h headerModeClient) delivered(r result) delivery {
	t := h.m.t
	t.Helper()
	wantNoCookies(t, "a header-mode answer", r)
	var d delivery
	if v, ok := single(t, r.Header, "st-access-token"); ok {
		d.access, d.clearsAccess = v, v == ""
	}
	if v, ok := single(t, r.Header, "st-refresh-token"); ok {
		d.refresh, d.clearsRefresh = v, v == ""
	}
	return d
}

// contractEnv is one gateway on its own redis-server and clock, with a
// Manager on the same store and keys for the operator's actions and for
// reading the generation a token names.
type contractEnv struct {
	url   string
	clock *sessiontest.Clock
	mgr   *session.Manager
}

func newContractEnv(t *testing.T) *contractEnv {
	t.Helper()
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	clock := sessiontest.NewClock()
	keys := sessiontest.Keys(t)
	env := map[string]string{"REDIS_URL": srv.URL(), "SESSION_KEYS": keys, "SESSION_ABSOLUTE_TIMEOUT": contractAbsolute.String()}
	g := startGateway(t, env, clock.Now, "-access-ttl", contractAccessTTL.String(), "-rotate-after", contractRotateAfter.String(),
		"-grace", contractGrace.String(), "-idle-timeout", contractIdle.String())

	cfg := sessiontest.TestConfig(t)
	var err error
	if cfg.Keys, err = session.ParseKeys(keys); err != nil {
		t.Fatal(err)
	}
	cfg.AccessTTL, cfg.RotateAfter, cfg.Grace = contractAccessTTL, contractRotateAfter, contractGrace
	cfg.IdleTimeout, cfg.AbsoluteTimeout = contractIdle, contractAbsolute
	return &contractEnv{url: g.URL, clock: clock, mgr: sessiontest.NewManager(t, cfg, redistest.Store(t, srv, redisstore.Options{}), clock)}
}

// contractCase is one scenario's run: its client, user, session and the
// roles the backend must see. Its methods are the table's assertions,
// identical for both modes.
type contractCase struct {
	t         *testing.T
	env       *contractEnv
	c         modeClient
	user      string
	roles     string // as the backend receives them: comma-joined
	sessionID string // set by signIn
}

// want is what an answer must do to the client's credentials.
type want int

const (
	keeps         want = iota // nothing set or cleared, no front-token
	rotatesAccess             // a newer access generation of this session, the refresh token kept, a front-token
	renewsAccess              // the same access generation in a new token, the refresh token kept, a front-token
	issuesBoth                // new access and refresh tokens of this session, a front-token
	clearsBoth                // both forgotten, front-token: remove
)

func (w want) String() string {
	return [...]string{"keeps the tokens", "rotates the access token", "renews the access token", "issues both tokens", "clears both tokens"}[w]
}

// expect checks what r did to the credentials against w, given those held
// before it, and returns the delivery.
func (k *contractCase) expect(what string, r result, before credentials, w want) delivery {
	k.t.Helper()
	d := k.c.delivered(r)
	now := k.c.held()
	ft, hasFT := single(k.t, r.Header, "front-token")
	switch w {
	case keeps:
		if d != (delivery{}) || hasFT {
			k.t.Errorf("%s: the answer touches the tokens (access set %v cleared %v, refresh set %v cleared %v, front-token %v); want it to keep them",
				what, d.access != "", d.clearsAccess, d.refresh != "", d.clearsRefresh, hasFT)
		}
		if now != before {
			k.t.Errorf("%s: the client's tokens changed", what)
		}
	case rotatesAccess, renewsAccess, issuesBoth:
		if d.access == "" || d.clearsAccess || d.clearsRefresh {
			k.t.Fatalf("%s: %s wanted; access set %v, cleared: access %v refresh %v", what, w, d.access != "", d.clearsAccess, d.clearsRefresh)
		}
		if got := k.accessInfo(d.access).SessionID; got != k.sessionID {
			k.t.Errorf("%s: the new access token names another session", what)
		}
		if now.access != d.access {
			k.t.Errorf("%s: the client does not hold the delivered access token", what)
		}
		if w == rotatesAccess || w == renewsAccess {
			if d.refresh != "" || now.refresh != before.refresh {
				k.t.Errorf("%s: %s touched the refresh token", what, w)
			}
			switch g, was := k.accessGen(d.access), k.accessGen(before.access); {
			case w == rotatesAccess && g <= was:
				k.t.Errorf("%s: generation %d after %d, want a newer one", what, g, was)
			case w == renewsAccess && g != was:
				k.t.Errorf("%s: generation %d after %d, want the same", what, g, was)
			}
		} else {
			if d.refresh == "" {
				k.t.Fatalf("%s: no refresh token delivered", what)
			}
			if got := k.refreshInfo(d.refresh).SessionID; got != k.sessionID {
				k.t.Errorf("%s: the new refresh token names another session", what)
			}
			if now.refresh != d.refresh {
				k.t.Errorf("%s: the client does not hold the delivered refresh token", what)
			}
		}
		if !hasFT || ft == session.FrontTokenRemove {
			k.t.Fatalf("%s: front-token present %v, %q", what, hasFT, ft)
		}
		f := sessiontest.DecodeFrontToken(k.t, ft)
		if f.UID != k.user || f.UP["sessionId"] != k.sessionID {
			k.t.Errorf("%s: the front-token names user %q, same session %v", what, f.UID, f.UP["sessionId"] == k.sessionID)
		}
	case clearsBoth:
		if !d.clearsAccess || !d.clearsRefresh || d.access != "" || d.refresh != "" {
			k.t.Errorf("%s: cleared access %v refresh %v, set access %v refresh %v; want both cleared",
				what, d.clearsAccess, d.clearsRefresh, d.access != "", d.refresh != "")
		}
		if ft != session.FrontTokenRemove {
			k.t.Errorf("%s: front-token %q, want %q", what, ft, session.FrontTokenRemove)
		}
		if now != (credentials{}) {
			k.t.Errorf("%s: the client still holds a token (access %v, refresh %v)", what, now.access != "", now.refresh != "")
		}
	}
	return d
}

func (k *contractCase) accessInfo(v string) session.TokenInfo {
	k.t.Helper()
	i, err := k.env.mgr.InspectAccess(v)
	if err != nil {
		k.t.Fatalf("an access token that does not decode: %v", err)
	}
	return i
}

func (k *contractCase) refreshInfo(v string) session.TokenInfo {
	k.t.Helper()
	i, err := k.env.mgr.InspectRefresh(v)
	if err != nil {
		k.t.Fatalf("a refresh token that does not decode: %v", err)
	}
	return i
}

func (k *contractCase) accessGen(v string) uint64  { k.t.Helper(); return k.accessInfo(v).Generation }
func (k *contractCase) refreshGen(v string) uint64 { k.t.Helper(); return k.refreshInfo(v).Generation }

// signIn signs the user in with roles and returns the tokens it issued.
func (k *contractCase) signIn(roles ...string) credentials {
	k.t.Helper()
	before := k.c.held()
	r := k.c.signIn(k.user, roles...)
	if r.Status != http.StatusOK {
		k.t.Fatalf("sign-in: %d %s", r.Status, r.Body)
	}
	if k.c.held().access == "" {
		k.t.Fatalf("sign-in left the client without an access token")
	}
	k.sessionID = k.accessInfo(k.c.held().access).SessionID
	k.roles = joinRoles(roles)
	k.expect("sign-in", r, before, issuesBoth)
	k.wantLive(1)
	return k.c.held()
}

// joinRoles is roles as the backend receives them (x-user-roles).
func joinRoles(roles []string) string { return strings.Join(roles, ",") }

// call makes one GET and checks its status, what it did to the tokens and,
// on a 200, the identity the echo backend received; on a 401, API
// Gateway's Unauthorized; on a 403, the claim body.
func (k *contractCase) call(path string, status int, w want) delivery {
	k.t.Helper()
	before := k.c.held()
	r := k.c.call("GET", path)
	what := "GET " + path
	if r.Status != status {
		body := string(r.Body)
		if r.Status == http.StatusOK {
			body = "(the echo backend's answer, not shown: it lists request headers)"
		}
		k.t.Fatalf("%s: %d %s, want %d", what, r.Status, body, status)
	}
	switch status {
	case http.StatusOK:
		e := echoOf(k.t, r)
		if e.Headers["x-user-id"] != k.user || e.Headers["x-user-roles"] != k.roles || e.Headers["x-session-id"] != k.sessionID {
			k.t.Errorf("%s: the backend got user %q roles %q, same session %v; want %q %q",
				what, e.Headers["x-user-id"], e.Headers["x-user-roles"], e.Headers["x-session-id"] == k.sessionID, k.user, k.roles)
		}
		if _, ok := e.Headers["authorization"]; ok {
			k.t.Errorf("%s: the backend received the client's Authorization header", what)
		}
	case http.StatusUnauthorized:
		if m := r.JSON(k.t)["message"]; m != "Unauthorized" {
			k.t.Errorf("%s: 401 %q", what, m)
		}
	case http.StatusForbidden:
		if m := r.JSON(k.t)["message"]; m != "invalid claim" {
			k.t.Errorf("%s: 403 %q", what, m)
		}
	}
	return k.expect(what, r, before, w)
}

// refreshOK refreshes and checks that both tokens were issued anew.
func (k *contractCase) refreshOK() delivery {
	k.t.Helper()
	before := k.c.held()
	r := k.c.refresh()
	if r.Status != http.StatusOK {
		k.t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	return k.expect("refresh", r, before, issuesBoth)
}

// refreshRefused refreshes and checks the 401 with message, which ends the
// client's session.
func (k *contractCase) refreshRefused(message string) {
	k.t.Helper()
	before := k.c.held()
	r := k.c.refresh()
	if r.Status != http.StatusUnauthorized {
		k.t.Fatalf("refresh: %d %s, want 401 %q", r.Status, r.Body, message)
	}
	if m := r.JSON(k.t)["message"]; m != message {
		k.t.Errorf("refresh: 401 %q, want %q", m, message)
	}
	k.expect("refused refresh", r, before, clearsBoth)
}

// keepAlive is a client that was away for d: its access token has expired
// (401), one refresh, and the retried call works.
func (k *contractCase) keepAlive(d time.Duration) {
	k.t.Helper()
	k.env.clock.Advance(d)
	k.call("/api/me", http.StatusUnauthorized, keeps)
	k.refreshOK()
	k.firstUse()
}

// firstUse is the first call with an access token a refresh issued. It
// records the refresh token's use, and so hands back the same generation
// in a new token whose hint (docs/protocol.md, "Store operations") no
// longer says a write is due; the next call changes nothing.
func (k *contractCase) firstUse() {
	k.t.Helper()
	k.call("/api/me", http.StatusOK, renewsAccess)
	k.call("/api/me", http.StatusOK, keeps)
}

// wantLive checks how many live sessions the user has, as an operator
// lists them.
func (k *contractCase) wantLive(n int) {
	k.t.Helper()
	l, err := k.env.mgr.ListUser(k.t.Context(), k.user)
	if err != nil {
		k.t.Fatalf("list sessions: %v", err)
	}
	if len(l) != n {
		k.t.Errorf("%d live sessions, want %d", len(l), n)
	}
}

func (k *contractCase) setClaims(roles []string, claims map[string]any) {
	k.t.Helper()
	if n, err := k.env.mgr.SetUserClaims(k.t.Context(), k.user, roles, claims); err != nil || n != 1 {
		k.t.Fatalf("set claims: %d sessions, %v", n, err)
	}
	k.roles = joinRoles(roles)
}

// contractTable is docs/protocol.md's "Session semantics", one scenario a
// row, each starting with a new client and user.
var contractTable = []struct {
	name string
	run  func(k *contractCase)
}{
	{"a valid access token reaches the backend as the user", func(k *contractCase) {
		k.signIn("user")
		k.call("/api/me", http.StatusOK, keeps)
		k.call("/api/me", http.StatusOK, keeps)
	}},

	{"rotation in place; within grace the old token gets the same new generation", func(k *contractCase) {
		first := k.signIn("user")
		k.env.clock.Advance(contractRotateAfter + time.Second)
		d := k.call("/api/me", http.StatusOK, rotatesAccess)
		g1 := k.accessGen(d.access)
		if g0 := k.accessGen(first.access); g1 <= g0 {
			k.t.Errorf("rotation issued generation %d after %d", g1, g0)
		}
		k.call("/api/me", http.StatusOK, keeps) // the new token is current
		// Parallel requests of one page that still carry the old token
		// converge on the one new generation: no fork.
		for i := range 2 {
			k.env.clock.Advance(contractGrace / 3)
			k.c.restore(first)
			d := k.call("/api/me", http.StatusOK, rotatesAccess)
			if g := k.accessGen(d.access); g != g1 {
				k.t.Errorf("replay %d of the rotated-out token within grace got generation %d, want %d", i+1, g, g1)
			}
		}
		k.call("/api/me", http.StatusOK, keeps)
	}},

	{"an older generation, or the previous one after grace, is 401", func(k *contractCase) {
		s0 := k.signIn("user")
		k.env.clock.Advance(contractRotateAfter + time.Second)
		k.call("/api/me", http.StatusOK, rotatesAccess)
		s1 := k.c.held()
		k.env.clock.Advance(contractRotateAfter + time.Second)
		g2 := k.accessGen(k.call("/api/me", http.StatusOK, rotatesAccess).access)
		// Two generations back: expired although within grace of the
		// last rotation and within its access TTL.
		k.c.restore(s0)
		k.call("/api/me", http.StatusUnauthorized, keeps)
		// The previous one within grace: the current generation.
		k.c.restore(s1)
		if g := k.accessGen(k.call("/api/me", http.StatusOK, rotatesAccess).access); g != g2 {
			k.t.Errorf("the previous generation within grace got generation %d, want %d", g, g2)
		}
		s2 := k.c.held()
		k.env.clock.Advance(contractGrace + time.Second)
		k.c.restore(s1)
		k.call("/api/me", http.StatusUnauthorized, keeps)
		// An old access token is never theft: the current one works.
		k.c.restore(s2)
		k.call("/api/me", http.StatusOK, keeps)
		k.wantLive(1)
	}},

	{"access expiry: 401, one refresh, the retry works", func(k *contractCase) {
		s0 := k.signIn("user")
		k.env.clock.Advance(contractAccessTTL + time.Second)
		// The 401 leaves the client its refresh token.
		k.call("/api/me", http.StatusUnauthorized, keeps)
		d := k.refreshOK()
		if k.accessGen(d.access) <= k.accessGen(s0.access) || k.refreshGen(d.refresh) <= k.refreshGen(s0.refresh) {
			k.t.Errorf("refresh did not issue newer generations")
		}
		k.firstUse()
	}},

	{"refresh rotation; a replay before the successor was used gets the same successor", func(k *contractCase) {
		s0 := k.signIn("user")
		k.env.clock.Advance(contractAccessTTL + time.Second)
		d1 := k.refreshOK()
		if k.refreshGen(d1.refresh) <= k.refreshGen(s0.refresh) {
			k.t.Errorf("the refresh token was not rotated")
		}
		// The answer was lost: the client still holds the old tokens.
		k.c.restore(s0)
		d2 := k.refreshOK()
		if k.refreshGen(d2.refresh) != k.refreshGen(d1.refresh) || k.accessGen(d2.access) != k.accessGen(d1.access) {
			k.t.Errorf("the replay got refresh generation %d and access generation %d, want %d and %d",
				k.refreshGen(d2.refresh), k.accessGen(d2.access), k.refreshGen(d1.refresh), k.accessGen(d1.access))
		}
		k.firstUse()
		// The first answer's tokens are the same session state (its
		// access token, with its stale hint, is renewed once more).
		k.c.restore(credentials{access: d1.access, refresh: d1.refresh})
		k.firstUse()
		k.wantLive(1)
	}},

	{"theft: a rotated-out refresh token after its successor was used, outside grace", func(k *contractCase) {
		stolen := k.signIn("user")
		k.env.clock.Advance(contractAccessTTL + time.Second)
		k.call("/api/me", http.StatusUnauthorized, keeps)
		d := k.refreshOK()
		k.firstUse() // the successor is used
		// Within grace of that first use the old refresh token is a lost
		// answer, not theft: the current tokens.
		k.env.clock.Advance(contractGrace / 2)
		k.c.restore(stolen)
		d2 := k.refreshOK()
		if k.refreshGen(d2.refresh) != k.refreshGen(d.refresh) || k.accessGen(d2.access) != k.accessGen(d.access) {
			k.t.Errorf("the old refresh token within grace got refresh generation %d and access generation %d, want %d and %d",
				k.refreshGen(d2.refresh), k.accessGen(d2.access), k.refreshGen(d.refresh), k.accessGen(d.access))
		}
		current := k.c.held()
		k.env.clock.Advance(contractGrace/2 + time.Second)
		k.c.restore(stolen)
		k.refreshRefused("token theft detected")
		// The session is dead for every holder, the user included.
		k.wantLive(0)
		k.c.restore(current)
		k.call("/api/me", http.StatusUnauthorized, keeps)
		k.refreshRefused("unauthorised")
	}},

	{"revocation: the next call and the refresh are 401", func(k *contractCase) {
		k.signIn("user")
		k.call("/api/me", http.StatusOK, keeps)
		if ok, err := k.env.mgr.Revoke(k.t.Context(), k.sessionID); err != nil || !ok {
			k.t.Fatalf("revoke: %v, %v", ok, err)
		}
		k.call("/api/me", http.StatusUnauthorized, keeps)
		k.refreshRefused("unauthorised")
		k.wantLive(0)
	}},

	{"claims change: the next call sees them and the route rule follows, no re-issue", func(k *contractCase) {
		held := k.signIn("viewer")
		k.call("/api/me", http.StatusOK, keeps)
		k.call("/api/admin", http.StatusForbidden, keeps)
		k.setClaims([]string{"admin", "user"}, map[string]any{"plan": "pro"})
		k.call("/api/admin", http.StatusOK, keeps)
		k.call("/api/me", http.StatusOK, keeps)
		r := k.c.call("GET", "/api/lambda-me")
		var lm struct {
			UserID, SessionID string
			Roles             []string
			Claims            map[string]any
		}
		if err := json.Unmarshal(r.Body, &lm); r.Status != http.StatusOK || err != nil {
			k.t.Fatalf("lambda-me: %d %s (%v)", r.Status, r.Body, err)
		}
		if lm.UserID != k.user || lm.SessionID != k.sessionID || !slices.Equal(lm.Roles, []string{"admin", "user"}) || lm.Claims["plan"] != "pro" {
			k.t.Errorf("the Lambda backend got roles %q claims %v, same user %v, same session %v",
				lm.Roles, lm.Claims, lm.UserID == k.user, lm.SessionID == k.sessionID)
		}
		k.setClaims([]string{"viewer"}, nil)
		k.call("/api/admin", http.StatusForbidden, keeps)
		k.call("/api/me", http.StatusOK, keeps)
		if k.c.held() != held {
			k.t.Errorf("a claims change re-issued a token")
		}
	}},

	{"idle timeout: a session unused for longer ends", func(k *contractCase) {
		k.signIn("user")
		k.keepAlive(contractIdle - 10*time.Minute) // used in time: it lives on
		k.env.clock.Advance(contractIdle + time.Second)
		k.call("/api/me", http.StatusUnauthorized, keeps)
		k.refreshRefused("unauthorised")
		k.wantLive(0)
	}},

	{"absolute timeout: a session ends however it is used", func(k *contractCase) {
		k.signIn("user")
		step := contractIdle - 10*time.Minute // more often than the idle timeout
		var elapsed time.Duration
		for elapsed+step < contractAbsolute-contractAccessTTL {
			k.keepAlive(step)
			elapsed += step
		}
		k.keepAlive(contractAbsolute - time.Minute - elapsed) // a minute before the end
		// The access token is a minute old, the session was used a minute
		// ago: only the absolute end explains the 401.
		k.env.clock.Advance(time.Minute + time.Second)
		k.call("/api/me", http.StatusUnauthorized, keeps)
		k.refreshRefused("unauthorised")
		k.wantLive(0)
	}},

	{"sign-out: the next call is 401, and so is a kept copy", func(k *contractCase) {
		k.signIn("user")
		k.call("/api/me", http.StatusOK, keeps)
		held := k.c.held()
		r := k.c.signOut()
		if r.Status != http.StatusOK || r.JSON(k.t)["status"] != "OK" {
			k.t.Fatalf("sign-out: %d %s", r.Status, r.Body)
		}
		k.expect("sign-out", r, held, clearsBoth)
		k.wantLive(0)
		k.call("/api/me", http.StatusUnauthorized, keeps)
		k.c.restore(held)
		k.call("/api/me", http.StatusUnauthorized, keeps)
		k.refreshRefused("unauthorised")
	}},
}

// TestContractInBothModes runs contractTable once per mode, each mode on
// its own gateway, redis-server and clock.
func TestContractInBothModes(t *testing.T) {
	for _, mode := range []struct {
		name      string
		newClient func(*testing.T, string, session.Config) modeClient
	}{
		{"cookie", newCookieModeClient},
		{"header", newHeaderModeClient},
	} {
		t.Run(mode.name, func(t *testing.T) {
			env := newContractEnv(t)
			for _, sc := range contractTable {
				t.Run(sc.name, func(t *testing.T) {
					k := &contractCase{t: t, env: env, c: mode.newClient(t, env.url, env.mgr.Config()),
						user: sessiontest.UniqueUser(mode.name)}
					sc.run(k)
				})
			}
		})
	}
}
