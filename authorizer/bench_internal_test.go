package authorizer

import (
	"encoding/json"
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
	h := &Handler{access: "sAccessToken"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := h.parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// benchAllow is the Allow decision the response benchmarks encode.
func benchAllow(b *testing.B) (request, decision) {
	arn, err := ParseMethodARN("arn:aws:execute-api:eu-west-1:123456789012:k3x9q2w7ab/prod/GET/api/me")
	if err != nil {
		b.Fatal(err)
	}
	v := &session.Validated{UserID: "u", SessionID: "0123456789abcdef0123456789abcdef",
		Roles: []string{"viewer"}, Claims: json.RawMessage(`{"plan":"pro"}`)}
	return request{payload: payloadV1, arn: arn}, decision{outcome: outAllow, v: v}
}

// BenchmarkRenderAllow is building and encoding an Allow response alone
// the reflection way (Handle's value through encoding/json).
func BenchmarkRenderAllow(b *testing.B) {
	req, d := benchAllow(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := render(req, d)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeAllow is the same response as Invoke encodes it.
func BenchmarkEncodeAllow(b *testing.B) {
	req, d := benchAllow(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := encodeResponse(req, d); err != nil {
			b.Fatal(err)
		}
	}
}
