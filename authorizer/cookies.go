package authorizer

import "strings"

// MaxCookieValues bounds how many values of the access cookie one request may
// present (in all its Cookie headers together). Browsers send at most a few
// copies of one name (one per Path and Domain that matches); more than this
// is cookie tossing or garbage, and the extra copies are ignored, so the work
// per request stays bounded whatever the client sends.
const MaxCookieValues = 16

// AppendCookieValues parses one Cookie header value ("a=1; b=2") and appends
// to dst every value of the cookie called name, in order, until dst holds
// limit values. Pairs are split on ';' and trimmed; a pair without '=', an
// empty name or an empty value is skipped; a value in double quotes is
// unquoted. Cookie names are case-sensitive (RFC 6265). It never fails and
// never panics: garbage (no '=', non-UTF-8, thousands of pairs) is skipped.
// Values are not validated here: the session engine authenticates them.
func AppendCookieValues(dst []string, header, name string, limit int) []string {
	for len(header) > 0 && len(dst) < limit {
		var pair string
		if i := strings.IndexByte(header, ';'); i >= 0 {
			pair, header = header[:i], header[i+1:]
		} else {
			pair, header = header, ""
		}
		eq := strings.IndexByte(pair, '=')
		if eq < 0 {
			continue
		}
		if trimSpace(pair[:eq]) != name {
			continue
		}
		v := trimSpace(pair[eq+1:])
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			// A quoted value is unquoted and trimmed again, so `" "` is
			// empty rather than a one-space value.
			v = trimSpace(v[1 : len(v)-1])
		}
		if v == "" {
			continue
		}
		dst = append(dst, v)
	}
	return dst
}

// trimSpace trims the optional white space of RFC 6265 (space and tab).
func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
