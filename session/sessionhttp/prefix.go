package sessionhttp

import (
	"context"
	"net/http"
	"strings"

	"github.com/sessiongate/sessiongate/session"
)

type prefixKey struct{}

// WithPathPrefix returns ctx carrying the path prefix of a request: the
// part of the path the browser really calls that stands in front of the
// API's own paths ("/prod" on an execute-api URL with stage prod, "/v1"
// behind a custom domain whose base-path mapping is "v1", "" at a custom
// domain's root). The request's URL path is then the path below the prefix,
// as the API definition writes it. Package lambdaproxy sets it for every
// event; a server that strips a prefix before calling these handlers sets
// it too.
func WithPathPrefix(ctx context.Context, prefix string) context.Context {
	return context.WithValue(ctx, prefixKey{}, prefix)
}

// PathPrefix returns the prefix set by WithPathPrefix, and whether one was
// set at all.
func PathPrefix(ctx context.Context) (prefix string, ok bool) {
	prefix, ok = ctx.Value(prefixKey{}).(string)
	return prefix, ok
}

// TokensForPrefix returns t with its refresh cookie's Path set for a
// request under prefix: cfg.RefreshCookiePathFor(prefix), so STAGE_PREFIX,
// when set, overrides prefix. A prefix that is not a clean path prefix
// (see package doc) counts as "". SignIn and the session API routes call
// it; a Lambda sign-in handler that builds its proxy response with
// ProxyHeaders or ProxyCookies calls it first, with the prefix
// lambdaproxy.SplitPathV1 or SplitPathV2 derives from its event.
func TokensForPrefix(cfg session.Config, t session.Tokens, prefix string) session.Tokens {
	if t.Refresh == nil {
		return t
	}
	c := *t.Refresh
	c.Path = refreshPath(cfg, prefix)
	t.Refresh = &c
	return t
}

// refreshPath is the one place that turns a request's prefix into the
// refresh cookie's Path.
func refreshPath(cfg session.Config, prefix string) string {
	if !validPrefix(prefix) {
		prefix = ""
	}
	return cfg.RefreshCookiePathFor(prefix)
}

// clearCookies are the two cookies that delete the session's cookies for a
// request under prefix.
func clearCookies(m *session.Manager, prefix string) []*http.Cookie {
	cs := m.ClearCookies()
	name := m.Config().RefreshCookieName
	for i, c := range cs {
		if c.Name == name {
			cp := *c
			cp.Path = refreshPath(m.Config(), prefix)
			cs[i] = &cp
		}
	}
	return cs
}

// suffixPrefix returns what stands in front of route in path when path
// ends with route: the prefix of a route handler in plain net/http use.
// route starts with "/", so the cut is always on a segment boundary. ok is
// false when path does not end with route or the rest is not a clean
// prefix.
func suffixPrefix(path, route string) (prefix string, ok bool) {
	if !strings.HasSuffix(path, route) {
		return "", false
	}
	prefix = path[:len(path)-len(route)]
	return prefix, validPrefix(prefix)
}

// validPrefix reports whether p can stand in front of a cookie Path: "" or
// "/seg[/seg…]" with no empty, "." or ".." segment, no trailing "/", and
// only the characters API Gateway allows in stage names and base-path
// mappings (letters, digits, "-._~!$&'()*+,=:@"). Anything else — a ";"
// would end the cookie's Path attribute — is refused, and callers fall back
// to "".
func validPrefix(p string) bool {
	if p == "" {
		return true
	}
	if p[0] != '/' {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			switch {
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			case strings.IndexByte("-._~!$&'()*+,=:@", c) >= 0:
			default:
				return false
			}
		}
	}
	return true
}

// requestPrefix is the prefix of a route handler's request: the one set
// with WithPathPrefix, else what stands in front of route in the URL path
// (plain net/http), else "".
func requestPrefix(r *http.Request, route string) string {
	if p, ok := PathPrefix(r.Context()); ok {
		return p
	}
	if p, ok := suffixPrefix(r.URL.Path, route); ok {
		return p
	}
	return ""
}
