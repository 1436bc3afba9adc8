// Package session is the core of sessiongate: it creates, validates,
// rotates, refreshes and revokes cookie sessions. It knows nothing of Lambda,
// API Gateway or Redis; it uses the standard library and
// github.com/gorilla/securecookie, and stores sessions through the Store
// interface it owns (session/redisstore is the Redis implementation).
//
// # Tokens
//
// A session is named by a 16-byte handle from crypto/rand. Cookies carry the
// handle and a generation number, authenticated (HMAC-SHA256) and encrypted
// (AES) by securecookie with the cookie name bound into the MAC, so an access
// cookie can never be replayed as a refresh cookie. Config.Keys lists key
// pairs newest first: the newest encodes, every listed pair decodes, so keys
// rotate by prepending a new pair and later removing the old one.
//
// The store never sees the handle: it keys sessions by the session id, 32
// lower-case hex digits — the user's tag (UserTag: 8 hex digits of
// SHA-256 of the user id), then the first 96 bits of SHA-256(handle) in
// hex. A copy of Redis holds nothing that can be replayed as a cookie, and
// the id is safe to log, list and show. The tag puts all of one user's
// sessions, and the user's index, in one Redis hash slot, so that the
// per-user limit, "log out everywhere" and listing are each one atomic
// script, on a cluster too. Since the id is no longer derived from the
// handle alone, each token carries the tag: token version 3 (token.go),
// the only one written and read; cookies of versions 1 and 2 are ErrUnknown
// and their sessions end at the upgrade.
//
// Cookie names carry the strongest prefix their attributes allow
// (DefaultCookieNames): "__Host-sAccessToken" (Secure, no Domain, Path=/)
// and "__Secure-sRefreshToken" by default, so that a browser refuses the
// same names from a sibling domain or a plain-http page. Validate refuses a
// prefix the cookie's attributes do not meet.
//
// # Lifetimes (docs/protocol.md, "Session semantics")
//
//   - An access generation is valid for AccessTTL from the moment it was
//     issued; use does not extend it. Once it is older than RotateAfter the
//     next validation rotates it in place: a new generation whose cookie and
//     front-token the authorizer hands back through its context. Concurrent
//     requests carrying the generation just rotated out get the same new
//     generation for Grace (no forks); an older generation is ErrExpired,
//     which means "refresh and retry", never theft.
//   - A refresh generation is rotated on every refresh. It stays valid until
//     its successor is used — presented to refresh, or an access generation
//     issued with it presented to Validate. Until then presenting it again
//     returns the same successor (lost responses, two tabs, an outage right
//     after the store applied the refresh: nobody is logged out). Once the
//     successor has been used, the refresh token just rotated out still gets
//     the current one for Grace from that first use; after that, and at any
//     time for a token two or more generations old, the session is revoked
//     and the caller gets ErrTheft.
//   - IdleTimeout ends a session unused for that long; AbsoluteTimeout is
//     fixed at creation. Use is recorded only with writes that happen
//     anyway (a rotation, a refresh), so the idle timeout's precision is
//     RotateAfter. Both are enforced by the store against the injected
//     clock, not trusted from the cookie.
//
// Every decision that writes session state is made atomically in the store
// (for Redis, one Lua script), so the decisions above hold under any
// concurrency and across any number of processes; a validation that writes
// nothing may be a plain read (see Store and Access).
//
// # Several cookies of one name
//
// A request may carry several copies of a cookie: one tossed in from a
// sibling domain, an old one at another Path. The Manager reads them by
// one rule (ValidateAny, RefreshAny, SignOut; docs/protocol.md, "Several
// cookies of one name"): copies are taken in header order while their
// sizes ("name=value; ") sum to at most HeaderBudget, the 10240 bytes of
// request line and headers API Gateway accepts, so junk in front can never
// hide a valid copy and no request causes more work than that. Copies that
// do not decode are skipped; authentic ones are grouped by session, the
// highest generation of each counting. Valid sessions of more than one
// user are ErrAmbiguous (an ErrUnknown: 401), never the first one — a
// planted session cannot swap the user; RefreshAny decides that by
// reading owners (Store.Info) before it writes anything, so nothing is
// rotated and no theft verdict is reached. Sessions of one user: the
// first. Sign-out revokes every authentic session presented. One cookie
// costs what it always did: one decode, one store call.
//
// # Sessions per user
//
// A user has at most Config.MaxSessionsPerUser live sessions
// (SESSION_MAX_PER_USER, default 20): a sign-in beyond it ends the least
// recently used ones in the same atomic step (Store.Create) and lists them
// in Tokens.Evicted. A user sees their sessions with Manager.Sessions
// (with a summary of the client, SummarizeUserAgent) and ends them with
// EndSession and EndOtherSessions; ending any but the current one needs a
// sign-in within Config.ReauthWindow (SESSION_REAUTH_WINDOW, default 10m),
// else ErrReauthenticate (403). RevokeOthers serves an application's own
// password change, RevokeUser "log out everywhere"; both are atomic with
// respect to a concurrent sign-in.
//
// # Outcomes
//
// Errors wrap exactly one sentinel: ErrNoSession, ErrExpired, ErrUnknown
// (ErrAmbiguous is one), ErrTheft, ErrReauthenticate, ErrInvalidInput or
// ErrStore. A store failure is never reported
// as "no session": callers answer 5xx and change no cookie, so an outage
// logs nobody out. A cookie that does not decode is untrusted input
// (ErrUnknown); a failure of the codec itself is ErrStore (ErrCodec), so a
// key mistake does not look like every user being logged out.
//
// # Configuration
//
// Config is read from the environment by ConfigFromEnv (the variables and
// checks are listed in docs/protocol.md, "Configuration"); in Go, start
// from DefaultConfig. A Config's zero value fails closed: Validate refuses
// a zero lifetime, cookie name, base path, SameSite or anti-CSRF mode, and
// the one field whose zero value it accepts, InsecureCookies, means Secure
// cookies. A combination that weakens the defaults is refused unless its
// insecure switch is set, by name: SameSite None with no anti-CSRF check
// (INSECURE_CROSS_SITE_WITHOUT_CSRF, Config.InsecureCrossSiteWithoutCSRF),
// plain http origins other than loopback (INSECURE_HTTP_ORIGINS,
// Config.InsecureHTTPOrigins), and COOKIE_SECURE=false (INSECURE_COOKIES;
// in Go, InsecureCookies is itself the switch). Config.InsecureSwitchesInUse
// names the ones a configuration relies on, for a start-up line. Every
// problem is reported together in one *ConfigError (which matches
// ErrInvalidInput; a refused combination is an *InsecureError naming its
// switch), and no message ever contains key material.
//
// # User ids
//
// ValidateUserID accepts 1–255 bytes of UTF-8 without control characters;
// a new session's user id must also pass ValidateNewUserID: no whitespace
// or invisible format character at either end, no format character (but
// the zero-width joiners) or line separator inside, so that the id a
// backend reads in x-user-id, after HTTP has trimmed the value, is the
// session's.
//
// # What it does not do
//
// It does not read the environment (ConfigFromEnv takes a lookup function),
// parse HTTP requests, write responses, or decide status codes: the
// authorizer and the HTTP handlers do, from these outcomes. It does not
// authenticate users: the application's sign-in handler does, then calls
// Create.
package session
