package session

import (
	"strings"
	"testing"
)

func TestSummarizeUserAgent(t *testing.T) {
	for _, c := range []struct{ ua, want string }{
		{"", ""},
		{"   ", ""},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge 131 on Windows"},
		{"Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", "Firefox 133 on Android"},
		{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Linux"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15", "Safari 17 on macOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", "Safari 17 on iOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", "Chrome 131 on iOS"},
		{"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet 26 on Android"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera 115 on Windows"},
		{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on ChromeOS"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.33 Safari/537.36", "Headless Chrome 131 on Linux"},
		{"curl/8.5.0", "curl"},
		{"Wget/1.21.4", "Wget"},
		{"python-requests/2.32.3", "Python requests"},
		{"Go-http-client/1.1", "Go"},
		{"okhttp/4.12.0", "OkHttp"},
		{"MyApp/2.3 (iPhone; iOS 17.6; Scale/3.00)", "MyApp on iOS"},
		{"MyApp/2.3", "MyApp"},
		{"<script>alert(1)</script>", "scriptalert"},
		{"\x00\x01\xff", ""},
		{"(Windows)", "Windows"},
		{strings.Repeat("A", 5000), strings.Repeat("A", 32)},
		{"Mozilla/5.0 (Linux) Chrome/99999999999", "Chrome 99999 on Linux"},
	} {
		got := SummarizeUserAgent(c.ua)
		if got != c.want {
			t.Errorf("SummarizeUserAgent(%.60q) = %q, want %q", c.ua, got, c.want)
		}
	}
}

// Whatever the header, the summary is at most MaxAgentBytes of printable
// ASCII.
func FuzzSummarizeUserAgent(f *testing.F) {
	f.Add("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
	f.Add("curl/8.5.0")
	f.Add("\u202e\x00(Windows")
	f.Fuzz(func(t *testing.T, ua string) {
		got := SummarizeUserAgent(ua)
		if len(got) > MaxAgentBytes {
			t.Fatalf("%d bytes", len(got))
		}
		for i := 0; i < len(got); i++ {
			if got[i] < 0x20 || got[i] > 0x7e {
				t.Fatalf("byte %#x in %q", got[i], got)
			}
		}
		if got != strings.TrimSpace(got) {
			t.Fatalf("surrounding spaces in %q", got)
		}
	})
}
