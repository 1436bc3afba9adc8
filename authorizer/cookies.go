package authorizer

import "strings"

// AppendCookieValues parses one Cookie header value ("a=1; b=2") and appends
// to dst every value of the cookie called name, in order. Pairs are split
// on ';' and trimmed; a pair without '=', an empty name or an empty value
// is skipped; a value in double quotes is unquoted. Cookie names are
// case-sensitive (RFC 6265). It never fails and never panics: garbage (no
// '=', non-UTF-8, thousands of pairs) is skipped. Values are not validated
// here: the session engine authenticates them.
//
// There is no cap on the number of copies: how many of them count is the
// session engine's rule alone (session.HeaderBudget, applied by
// Manager.ValidateAny), which no request that passed API Gateway can
// exceed. A smaller cap here would let junk copies in front hide a valid
// one; the work stays linear in the event, which Lambda bounds.
func AppendCookieValues(dst []string, header, name string) []string {
	for len(header) > 0 {
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
		if strings.Trim(pair[:eq], ows) != name {
			continue
		}
		v := strings.Trim(pair[eq+1:], ows)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			// A quoted value is unquoted and trimmed again, so `" "` is
			// empty rather than a one-space value.
			v = strings.Trim(v[1:len(v)-1], ows)
		}
		if v == "" {
			continue
		}
		dst = append(dst, v)
	}
	return dst
}

// ows is the optional white space of RFC 6265: space and tab.
const ows = " \t"
