package session

import (
	"strings"
)

// MaxAgentBytes bounds a user-agent summary (SummarizeUserAgent,
// Record.Agent).
const MaxAgentBytes = 64

// SummarizeUserAgent turns a User-Agent header into the short text a user
// recognises a session by in a list of their sessions: the browser, its
// major version and the operating system ("Chrome 131 on Linux", "Firefox
// 133 on Android", "Safari 17 on iOS"), a known tool's name ("curl"), else
// the first product name in the header, with the system when one is
// known. An empty header gives "". The summary is at most MaxAgentBytes of
// printable ASCII — letters, digits, spaces and ".-_" — whatever the
// header holds, so it is safe to store and show; it is a hint, never a
// proof: any client may send any User-Agent.
func SummarizeUserAgent(ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return ""
	}
	if len(ua) > 1024 {
		ua = ua[:1024] // a summary never needs more
	}
	name, version := browser(ua)
	if name == "" {
		name = firstProduct(ua)
	}
	out := name
	if version != "" {
		out += " " + version
	}
	if os := operatingSystem(ua); os != "" {
		if out == "" {
			out = os
		} else {
			out += " on " + os
		}
	}
	if len(out) > MaxAgentBytes {
		out = strings.TrimRight(out[:MaxAgentBytes], " ")
	}
	return out
}

// browsers are tried in order: a browser's User-Agent usually names those
// it derives from too (Edge says Chrome and Safari; Chrome says Safari),
// so the most specific comes first. version is the product token whose
// major version is shown; "" shows none.
var browsers = []struct{ token, name, version string }{
	{"EdgA/", "Edge", "EdgA/"},
	{"EdgiOS/", "Edge", "EdgiOS/"},
	{"Edg/", "Edge", "Edg/"},
	{"OPR/", "Opera", "OPR/"},
	{"SamsungBrowser/", "Samsung Internet", "SamsungBrowser/"},
	{"YaBrowser/", "Yandex Browser", "YaBrowser/"},
	{"Vivaldi/", "Vivaldi", "Vivaldi/"},
	{"FxiOS/", "Firefox", "FxiOS/"},
	{"Firefox/", "Firefox", "Firefox/"},
	{"CriOS/", "Chrome", "CriOS/"},
	{"HeadlessChrome/", "Headless Chrome", "HeadlessChrome/"},
	{"Chromium/", "Chromium", "Chromium/"},
	{"Chrome/", "Chrome", "Chrome/"},
	{"Safari/", "Safari", "Version/"},
	{"curl/", "curl", ""},
	{"Wget/", "Wget", ""},
	{"PostmanRuntime/", "Postman", ""},
	{"python-requests/", "Python requests", ""},
	{"Go-http-client/", "Go", ""},
	{"okhttp/", "OkHttp", ""},
	{"node-fetch", "Node.js", ""},
	{"undici", "Node.js", ""},
}

// browser finds a known browser or tool in ua.
func browser(ua string) (name, version string) {
	for _, b := range browsers {
		if !strings.Contains(ua, b.token) {
			continue
		}
		if b.version != "" {
			version = majorVersion(ua, b.version)
		}
		return b.name, version
	}
	return "", ""
}

// majorVersion returns the digits right after the first token in ua (at
// most 5), or "".
func majorVersion(ua, token string) string {
	i := strings.Index(ua, token)
	if i < 0 {
		return ""
	}
	rest := ua[i+len(token):]
	n := 0
	for n < len(rest) && n < 5 && '0' <= rest[n] && rest[n] <= '9' {
		n++
	}
	return rest[:n]
}

// systems are tried in order, the most specific first (Android says
// Linux; iOS says "like Mac OS X").
var systems = []struct{ token, name string }{
	{"Windows", "Windows"},
	{"Android", "Android"},
	{"iPhone", "iOS"},
	{"iPad", "iPadOS"},
	{"iPod", "iOS"},
	{"CrOS", "ChromeOS"},
	{"Macintosh", "macOS"},
	{"Mac OS X", "macOS"},
	{"Linux", "Linux"},
	{"FreeBSD", "FreeBSD"},
	{"OpenBSD", "OpenBSD"},
}

func operatingSystem(ua string) string {
	for _, s := range systems {
		if strings.Contains(ua, s.token) {
			return s.name
		}
	}
	return ""
}

// firstProduct returns the name of the product ua begins with (what comes
// before the first "/", space, "(" or ";"), kept to letters, digits and
// ".-_", at most 32 bytes; "" when nothing is left.
func firstProduct(ua string) string {
	var b strings.Builder
	for i := 0; i < len(ua) && b.Len() < 32; i++ {
		c := ua[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '-', c == '_':
			b.WriteByte(c)
		case c == '/' || c == ' ' || c == '(' || c == ';':
			return b.String()
		default:
			// another byte is dropped, not shown
		}
	}
	return b.String()
}
