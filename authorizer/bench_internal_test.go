package authorizer

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/sessiongate/sessiongate/session"
)

// BenchmarkParseEvent is the authorizer's event decoding alone (a realistic
// REST event with headers and multiValueHeaders).
func BenchmarkParseEvent(b *testing.B) {
	raw, err := os.ReadFile("testdata/rest-several-cookie-headers.event.json")
	if err != nil {
		b.Fatal(err)
	}
	name := session.DefaultConfig().AccessCookieName
	raw = bytes.ReplaceAll(raw, []byte("{{ACCESS_NAME}}"), []byte(name))
	b.ReportAllocs()
	for b.Loop() {
		inv := newInvocation()
		_, err := parse(raw, name, inv)
		inv.release()
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderAllow is building and encoding an Allow response alone.
func BenchmarkRenderAllow(b *testing.B) {
	arn := "arn:aws:execute-api:eu-west-1:123456789012:k3x9q2w7ab/prod/GET/api/me"
	v := &session.Validated{UserID: "u", SessionID: "0123456789abcdef0123456789abcdef",
		Roles: []string{"viewer"}, Claims: json.RawMessage(`{"plan":"pro"}`)}
	req, d := request{payload: payloadV1, arnText: arn}, decision{outcome: outAllow, v: v}
	var rs responses
	b.ReportAllocs()
	for b.Loop() {
		if _, err := render(&req, &d, &rs); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSessions answers every validation with the same session at once: the
// session engine without its cost, so that BenchmarkOwnWork* measure the
// authorizer's own work.
type benchSessions struct {
	cfg session.Config
	v   session.Validated
}

func (s *benchSessions) Config() session.Config { return s.cfg }

func (s *benchSessions) ValidateAny(context.Context, []string) (*session.Validated, error) {
	v := s.v
	return &v, nil
}

func benchOwnWork(b *testing.B, file string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	cfg := session.DefaultConfig()
	cfg.AllowedOrigins = []string{"https://app.example.com"}
	raw = bytes.ReplaceAll(raw, []byte("{{ACCESS_NAME}}"), []byte(cfg.AccessCookieName))
	raw = bytes.ReplaceAll(raw, []byte("{{ACCESS}}"), []byte("access-cookie-value"))
	raw = bytes.ReplaceAll(raw, []byte("{{TOSSED}}"), []byte("tossed-cookie-value"))
	rules, err := ParseRules(`[{"method":"*","path":"/api/admin/**","roles":["admin"]},{"method":"GET","path":"/api/*","claims":{"plan":["pro","team"]}}]`)
	if err != nil {
		b.Fatal(err)
	}
	s := &benchSessions{cfg: cfg, v: session.Validated{UserID: "user-1", SessionID: "0123456789abcdef0123456789abcdef",
		Roles: []string{"viewer"}, Claims: []byte(`{"plan":"pro"}`)}}
	h, err := New(Config{Manager: s, Rules: rules, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Metrics: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOwnWorkREST is Invoke on a realistic REST event (headers and
// multiValueHeaders) with the session engine stubbed out: event decoding,
// cookies, anti-CSRF, a claim rule, the response and the metric line.
func BenchmarkOwnWorkREST(b *testing.B) { benchOwnWork(b, "testdata/rest-multivalue.event.json") }

// BenchmarkOwnWorkHTTPAPI is BenchmarkOwnWorkREST for an HTTP API payload
// 2.0 event with a cookies array.
func BenchmarkOwnWorkHTTPAPI(b *testing.B) { benchOwnWork(b, "testdata/http-cookies-array.event.json") }
