package session

import (
	"errors"
	"fmt"
	"strings"
)

// Header mode wire names (docs/protocol.md, "Header mode"): a client that
// cannot or will not keep cookies (a mobile app, a server, a browser app in
// the SDK's tokenTransferMethod "header") carries the same tokens in
// headers. The token values are exactly the cookie values: an access token
// is always an access token and a refresh token a refresh token, whichever
// way it travels.
const (
	// HeaderAuthorization carries "Bearer <access token>" on API calls and
	// sign-out, "Bearer <refresh token>" on the refresh route.
	HeaderAuthorization = "Authorization"
	// HeaderAuthMode is the request header a client selects a mode with:
	// AuthModeHeader or AuthModeCookie.
	HeaderAuthMode = "st-auth-mode"
	// HeaderAccessToken and HeaderRefreshToken carry new tokens to a client
	// in header mode; an empty value tells it to forget the token.
	HeaderAccessToken  = "st-access-token"
	HeaderRefreshToken = "st-refresh-token"

	// AuthModeHeader and AuthModeCookie are the values of HeaderAuthMode
	// (compared without regard to letter case).
	AuthModeHeader = "header"
	AuthModeCookie = "cookie"
)

// MaxBearerToken bounds the token of a bearer credential: the same bound
// the token codec puts on a cookie value (a genuine token is about 190
// bytes), so nothing longer can be one of ours.
const MaxBearerToken = 1024

// ErrMalformedBearer is returned by ParseBearer when an Authorization value
// is a bearer credential gone wrong: the Bearer scheme with anything but
// exactly one token after it, or no scheme at all (a bare token, a cookie
// string). It wraps ErrUnknown: it is treated exactly like a cookie that
// does not decode — a 401 when nothing else identifies a session, and
// never a reason to ignore a good cookie beside it.
var ErrMalformedBearer = fmt.Errorf("%w: malformed bearer credentials", ErrUnknown)

// ParseBearer reads one Authorization header value (or a TOKEN authorizer
// event's authorizationToken, which is that value) and returns the token of
// a bearer credential. The rules (docs/protocol.md, "Header mode"):
//
//   - Leading and trailing spaces and tabs are ignored; an empty value is
//     no credential at all: ErrNoSession.
//   - The value must be "<scheme> <credentials>": a scheme (an HTTP token),
//     one or more spaces, then the rest. A value with no space in it (a
//     bare token, "Bearer" alone, "sAccessToken=…") or whose scheme is not
//     an HTTP token ("sAccessToken=…; sRefreshToken=…") is
//     ErrMalformedBearer.
//   - The scheme is compared without regard to letter case (RFC 7235,
//     section 2.1): "Bearer", "bearer" and "BEARER" are the same. Any other
//     scheme ("Basic …", a signature scheme) is not a bearer credential and
//     not ours: ErrNoSession, so cookies decide.
//   - After "Bearer" comes exactly one token in the b64token syntax of
//     RFC 6750, section 2.1 (letters, digits, "-._~+/", then "=" padding
//     only at the end), at most MaxBearerToken bytes. Anything else — two
//     tokens, a comma or semicolon, a non-ASCII byte, a cookie string, a
//     10 KB value — is ErrMalformedBearer.
//
// ParseBearer only checks syntax. Whether the token is an access or a
// refresh token, and whether it names a live session, is for Manager to
// decide (an access token presented as a refresh token does not decode, and
// the reverse). The errors never contain the value.
func ParseBearer(value string) (string, error) {
	value = strings.Trim(value, " \t")
	if value == "" {
		return "", ErrNoSession
	}
	scheme, rest, found := strings.Cut(value, " ")
	if !found || !IsHTTPToken(scheme) {
		return "", ErrMalformedBearer
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return "", ErrNoSession
	}
	tok := strings.TrimLeft(rest, " ")
	if !isB64Token(tok) {
		return "", ErrMalformedBearer
	}
	return tok, nil
}

// IsBearer reports whether an Authorization value names the Bearer scheme,
// well-formed or not: ParseBearer returns a token or ErrMalformedBearer. A
// browser never sends such a value on its own (it only adds Authorization
// for the schemes it manages, such as Basic), so a request that carries one
// and no session cookie has no ambient credential (see "Header mode" in
// docs/protocol.md, anti-CSRF).
func IsBearer(value string) bool {
	_, err := ParseBearer(value)
	return err == nil || errors.Is(err, ErrMalformedBearer)
}

// IsHTTPToken reports whether s is a non-empty RFC 9110 token (tchar): an
// authentication scheme, or a header field name.
func IsHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// isB64Token reports whether s is an RFC 6750 b64token no longer than
// MaxBearerToken: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
// *"=".
func isB64Token(s string) bool {
	if s == "" || len(s) > MaxBearerToken {
		return false
	}
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~+/", c) >= 0:
		default:
			return false
		}
	}
	return true
}
