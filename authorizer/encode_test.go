package authorizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/session"
)

// encodeBoth returns what Invoke sends for a decision (encodeResponse) and
// what the reflection path sends (encoding/json of render's value).
func encodeBoth(t testing.TB, req request, d decision) (got, want []byte) {
	t.Helper()
	got, errGot := encodeResponse(req, d)
	v, errWant := render(req, d)
	if errWant == nil {
		want, errWant = encodeJSON(v)
	}
	if !errors.Is(errGot, errWant) || (errGot == nil) != (errWant == nil) {
		t.Fatalf("encodeResponse error %v, render %v", errGot, errWant)
	}
	return got, want
}

// hostileStrings are texts every string field of a response must survive
// byte for byte as encoding/json writes them.
var hostileStrings = []string{
	"", "plain", `quote " backslash \ slash /`, "<script>&amp;</script>",
	"\x00\x01\b\f\n\r\t\x1f\x7f", "é ü 日本 🙂", "\u2028 and \u2029", "\xff\xfe bad \xc3( utf-8 \xe2\x82",
	"\xed\xa0\x80 surrogate", "\ufffd", `{"plan":"pro","n":[1,2]}`,
}

func TestEncodeResponseMatchesJSON(t *testing.T) {
	arn, err := ParseMethodARN("arn:aws-cn:execute-api:cn-north-1:123456789012:k3x9q2w7ab/prod/GET/api/me")
	if err != nil {
		t.Fatal(err)
	}
	root, err := ParseMethodARN("arn:aws:execute-api:eu-west-1:123456789012:k3x9q2w7ab/$default/POST/")
	if err != nil {
		t.Fatal(err)
	}
	big := json.RawMessage(`{"blob":"` + strings.Repeat("b", MaxContextClaimsBytes) + `"}`)
	var vs []*session.Validated
	for _, s := range hostileStrings {
		vs = append(vs, &session.Validated{UserID: s, SessionID: s, Roles: []string{s, s}, Claims: json.RawMessage(s),
			FrontToken: s, SetCookie: &http.Cookie{Name: "sAccessToken", Value: s, Path: "/", HttpOnly: true, Secure: true}})
	}
	vs = append(vs,
		&session.Validated{UserID: "u", SessionID: "s"},
		&session.Validated{UserID: "u", SessionID: "s", Roles: []string{}, Claims: big},
		&session.Validated{UserID: "u", SessionID: "s", Roles: []string{"a", "b", "c"}, Claims: json.RawMessage(`{}`)},
		&session.Validated{UserID: strings.Repeat("u\u2028", 1000), SessionID: "s"}, // past the stack buffer
	)
	for _, v := range vs {
		for _, a := range []MethodARN{arn, root} {
			for _, p := range []payload{payloadV1, payloadV2} {
				for _, body := range append([]string{`{"message":"anti-csrf check failed"}`}, hostileStrings...) {
					for _, o := range []outcome{outAllow, outDeny} {
						req, d := request{payload: p, arn: a}, decision{outcome: o, v: v, body: body}
						if got, want := encodeBoth(t, req, d); !bytes.Equal(got, want) {
							t.Fatalf("%+v %+v:\n got %s\nwant %s", req, d, got, want)
						}
					}
				}
			}
		}
	}
	for _, d := range []decision{
		{outcome: outBadEvent}, {outcome: outUnauthorized, err: ErrUnauthorized},
		{outcome: outError, err: ErrStoreUnavailable}, {outcome: outError},
	} {
		if got, want := encodeBoth(t, request{}, d); !bytes.Equal(got, want) {
			t.Fatalf("%v:\n got %s\nwant %s", d.outcome, got, want)
		}
	}
	// The bytes are the caller's: changing them changes no later response.
	b, _ := encodeResponse(request{}, decision{outcome: outBadEvent})
	b[0] = 'x'
	if b, _ := encodeResponse(request{}, decision{outcome: outBadEvent}); b[0] != '{' {
		t.Fatal("encodeResponse returned shared bytes")
	}
}

// FuzzEncodeResponse holds the hand-written response encoding to
// encoding/json for arbitrary text in every field.
func FuzzEncodeResponse(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s, s, s, []byte(s), s, s, s, s, s, false, false, false)
	}
	f.Add("user-1", "0123456789abcdef", "viewer\x00admin", []byte(`{"plan":"pro"}`), "", "", "", "prod", "api/me", true, true, true)
	f.Fuzz(func(t *testing.T, user, sid, roles string, claims []byte, cookie, front, body, stage, resource string,
		v2, deny, slash bool) {
		v := &session.Validated{UserID: user, SessionID: sid, Claims: claims, FrontToken: front}
		if roles != "" {
			v.Roles = strings.Split(roles, "\x00")
		}
		if cookie != "" {
			v.SetCookie = &http.Cookie{Name: "sAccessToken", Value: cookie, Path: "/", MaxAge: 3600}
		}
		req := request{payload: payloadV1, arn: MethodARN{Partition: "aws", Region: "eu-west-1",
			AccountID: "123456789012", APIID: "k3x9q2w7ab", Stage: stage, Method: "GET", Resource: resource, slash: slash}}
		if v2 {
			req.payload = payloadV2
		}
		d := decision{outcome: outAllow, v: v, body: body}
		if deny {
			d.outcome = outDeny
		}
		if got, want := encodeBoth(t, req, d); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
