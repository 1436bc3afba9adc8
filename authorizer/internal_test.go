package authorizer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/sessiongate/sessiongate/session"
)

// The typed event reads the same members as aws-lambda-go's event types
// read with encoding/json, on every real event in testdata.
func TestEventMatchesLambdaTypes(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.event.json")
	if len(files) == 0 {
		t.Fatal("no events in testdata")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ev := new(event)
		if err := decodeEvent(raw, ev); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		switch {
		case ev.Version == "2.0":
			var v2 events.APIGatewayV2CustomAuthorizerV2Request
			if err := json.Unmarshal(raw, &v2); err != nil {
				t.Fatal(err)
			}
			if ev.RouteArn != v2.RouteArn || ev.RawPath != v2.RawPath || !slices.Equal(list(ev.Cookies), v2.Cookies) ||
				!sameBag(ev.Headers, single(v2.Headers)) || string(ev.RequestContext.HTTP.Method) != v2.RequestContext.HTTP.Method ||
				ev.RequestContext.HTTP.Path != v2.RequestContext.HTTP.Path || ev.RequestContext.RequestID != v2.RequestContext.RequestID ||
				ev.RequestContext.Stage != v2.RequestContext.Stage {
				t.Fatalf("%s: event and events.APIGatewayV2CustomAuthorizerV2Request differ", f)
			}
		case ev.Type == "TOKEN":
			var tk events.APIGatewayCustomAuthorizerRequest
			if err := json.Unmarshal(raw, &tk); err != nil {
				t.Fatal(err)
			}
			if string(ev.Type) != tk.Type || ev.MethodArn != tk.MethodArn || ev.AuthorizationToken != tk.AuthorizationToken {
				t.Fatalf("%s: event and events.APIGatewayCustomAuthorizerRequest differ", f)
			}
		default:
			var v1 events.APIGatewayCustomAuthorizerRequestTypeRequest
			if err := json.Unmarshal(raw, &v1); err != nil {
				t.Fatal(err)
			}
			if ev.MethodArn != v1.MethodArn || ev.Path != v1.Path || string(ev.HTTPMethod) != v1.HTTPMethod || string(ev.Type) != v1.Type ||
				!sameBag(ev.Headers, single(v1.Headers)) || !sameBag(ev.MultiValueHeaders, v1.MultiValueHeaders) ||
				ev.RequestContext.RequestID != v1.RequestContext.RequestID {
				t.Fatalf("%s: event and events.APIGatewayCustomAuthorizerRequestTypeRequest differ", f)
			}
		}
	}
}

func list(l stringList) []string {
	var out []string
	for i := range l.n {
		out = append(out, l.at(i))
	}
	return out
}

func single(m map[string]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}

// sameBag reports whether a headerBag holds what a map decode selects.
func sameBag(b headerBag, m map[string][]string) bool {
	pick := func(name string) []string {
		var out []string
		for k, v := range m {
			if strings.EqualFold(k, name) {
				out = append(out, v...)
			}
		}
		slices.Sort(out)
		return out
	}
	sorted := func(l stringList) []string {
		v := list(l)
		slices.Sort(v)
		return v
	}
	modes := 0
	for _, v := range pick("st-auth-mode") {
		if strings.EqualFold(strings.Trim(v, " \t"), "header") {
			modes++
		}
	}
	return b.present == (len(m) > 0) && reflect.DeepEqual(sorted(b.cookie), pick("cookie")) &&
		b.rid == len(pick("rid")) && reflect.DeepEqual(sorted(b.origin), pick("origin")) &&
		reflect.DeepEqual(sorted(b.authorization), pick("authorization")) && b.headerMode == modes
}

// The header bag: names in any ASCII letter case and with escapes, values
// as strings, arrays (null elements skipped) or null; anything else is
// refused. st-auth-mode values are counted when they say header (any
// letter case, spaces and tabs around it ignored).
func TestHeaderBag(t *testing.T) {
	good := []struct {
		in             string
		cookie, origin []string
		rid            int
		auth           []string
		headerMode     int
	}{
		{`null`, nil, nil, 0, nil, 0},
		{`{}`, nil, nil, 0, nil, 0},
		{`{"Cookie":"a=1","rid":"x","Origin":"https://a"}`, []string{"a=1"}, []string{"https://a"}, 1, nil, 0},
		{`{"cookie":["a=1","b=2"],"COOKIE":["c"],"x":["y"],"RID":[null,"1","2"]}`, []string{"a=1", "b=2", "c"}, nil, 2, nil, 0},
		{`{"\u0063ookie":"a\"b","rid":null,"x":null}`, []string{`a"b`}, nil, 0, nil, 0},
		{`{ "cookie" : [ "a" , null ] , "origin" : [ ] }`, []string{"a"}, nil, 0, nil, 0},
		{`{"coo\u212aie":"a=1","Cookie":"b=2"}`, []string{"b=2"}, nil, 0, nil, 0}, // the Kelvin sign is not a 'k'
		{`{"Cookie":"\u00e9=\ud83d\ude00"}`, []string{"é=😀"}, nil, 0, nil, 0},
		{`{"Authorization":"Bearer x","st-auth-mode":"header"}`, nil, nil, 0, []string{"Bearer x"}, 1},
		{`{"AUTHORIZATION":["Bearer a","Bearer b"],"ST-Auth-Mode":[" HEADER\t","cookie",null,"header"]}`, nil, nil, 0, []string{"Bearer a", "Bearer b"}, 2},
		{`{"st-auth-mode":"h\u0065ader","authorization":null}`, nil, nil, 0, nil, 1},
		{`{"st-auth-mode":"headers","st-auth-mod":"header","x-st-auth-mode":"header"}`, nil, nil, 0, nil, 0},
		{`{"st-auth-mode":"` + strings.Repeat(" ", 100) + `header"}`, nil, nil, 0, nil, 1},
		{`{"st-auth-mode":"he ader"}`, nil, nil, 0, nil, 0},
	}
	for _, c := range good {
		var ev event
		doc := `{"headers":` + c.in + `}`
		if err := jsonUnmarshal(doc, &ev); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		b := ev.Headers
		if !reflect.DeepEqual(list(b.cookie), c.cookie) || !reflect.DeepEqual(list(b.origin), c.origin) || b.rid != c.rid ||
			!reflect.DeepEqual(list(b.authorization), c.auth) || b.headerMode != c.headerMode {
			t.Errorf("%s: cookie %q origin %q rid %d authorization %q headerMode %d", c.in, list(b.cookie), list(b.origin), b.rid,
				list(b.authorization), b.headerMode)
		}
		if b.present != (c.in != "null" && c.in != "{}") {
			t.Errorf("%s: present %v", c.in, b.present)
		}
	}
	for _, in := range []string{`"Cookie: x"`, `["Cookie"]`, `1`, `{"Cookie":1}`, `{"x":true}`, `{"x":{}}`, `{"x":[1]}`,
		`{"x":[[]]}`, `{"Cookie":["a",{}]}`, `{"a":"1","a":"2"}`, `{"Cookie":"` + "\xff" + `"}`, `{"Cookie":"a"`, `{"Cookie" "a"}`,
		`{"Authorization":1}`, `{"st-auth-mode":true}`, `{"st-auth-mode":["header",1]}`, `{"st-auth-mode":"` + "\xff" + `"}`} {
		var ev event
		if err := jsonUnmarshal(`{"headers":`+in+`}`, &ev); err == nil {
			t.Errorf("%s: accepted", in)
		}
	}
}

func jsonUnmarshal(doc string, ev *event) error {
	*ev = event{}
	return decodeEvent([]byte(doc), ev)
}

func TestStagePrefixStripped(t *testing.T) {
	cases := []struct{ stage, raw, want string }{
		{"prod", "/prod/api/me", "/api/me"},
		{"prod", "/prod", ""},
		{"prod", "/production/api", "/production/api"},
		{"prod", "/pro", "/pro"},
		{"prod", "prod/x", "prod/x"},
		{"$default", "/api/me", "/api/me"},
		{"$default", "/$default/api", "/$default/api"},
	}
	for _, c := range cases {
		raw, _ := json.Marshal(map[string]any{"version": "2.0", "type": "REQUEST",
			"routeArn": "arn:aws:execute-api:us-east-1:123456789012:abc/" + c.stage + "/GET/x", "rawPath": c.raw,
			"requestContext": map[string]any{"stage": c.stage, "http": map[string]any{"method": "GET"}}})
		req, err := parse(raw, session.DefaultConfig().AccessCookieName, new(invocation))
		if err != nil {
			t.Fatal(err)
		}
		want := c.want
		if want == "" {
			want = "/x" // empty path: taken from the ARN
		}
		if req.path != want {
			t.Errorf("stage %q raw %q: path %q, want %q", c.stage, c.raw, req.path, want)
		}
	}
}

// The context's JSON names are the Ctx constants.
func TestResponseContextNames(t *testing.T) {
	want := []string{CtxAccessToken, CtxBody, CtxClaims, CtxFrontToken, CtxRoles, CtxSessionID, CtxSetCookie, CtxUserID}
	rt := reflect.TypeFor[responseContext]()
	if rt.NumField() != len(want) {
		t.Fatalf("%d fields, %d keys", rt.NumField(), len(want))
	}
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name != want[i] {
			t.Errorf("field %s is %q, want %q", rt.Field(i).Name, name, want[i])
		}
	}
	if !slices.IsSorted(want) {
		t.Error("context keys are not in sorted order")
	}
}

func TestClaimBodyBudget(t *testing.T) {
	var errs []ClaimValidationError
	for i := 0; i < 100; i++ {
		errs = append(errs, ClaimValidationError{ID: "roles", Reason: ClaimReason{Message: "wrong value",
			ExpectedToInclude: strings.Repeat("r", 60), ActualValue: []string{strings.Repeat("a", 64)}}})
	}
	b := claimBody(errs)
	if len(b) > MaxBodyBytes {
		t.Fatalf("body %d bytes", len(b))
	}
	var v struct {
		Message string
		Errs    []ClaimValidationError `json:"claimValidationErrors"`
	}
	if err := json.Unmarshal([]byte(b), &v); err != nil || v.Message != "invalid claim" || len(v.Errs) == 0 {
		t.Fatalf("body %s: %v", b, err)
	}
	if v.Errs[0].Reason.ActualValue != nil {
		t.Fatal("actual values kept over budget")
	}
}

// hostileStrings are texts every string of a response must survive.
var hostileStrings = []string{
	"", "plain", `quote " backslash \ slash /`, "<script>&amp;</script>",
	"\x00\x01\b\f\n\r\t\x1f\x7f", "é ü 日本 🙂", "\u2028 and \u2029", "\xff\xfe bad \xc3( utf-8 \xe2\x82",
	"\xed\xa0\x80 surrogate", "\ufffd", `{"plan":"pro","n":[1,2]}`,
}

// Whatever the session holds, an Allow or a Deny encodes as JSON that reads
// back as the values it was given (invalid UTF-8 as U+FFFD), in the shape
// of the payload's response type.
func TestRenderHostileStrings(t *testing.T) {
	arn := "arn:aws-cn:execute-api:cn-north-1:123456789012:k3x9q2w7ab/prod/GET/api/me"
	for _, s := range hostileStrings {
		v := &session.Validated{UserID: s, SessionID: s, Roles: []string{s, s}, Claims: []byte(s), FrontToken: s,
			SetCookie: &http.Cookie{Name: session.DefaultConfig().AccessCookieName, Value: "v", Path: "/", HttpOnly: true, Secure: true}}
		for _, p := range []payload{payloadV1, payloadV2, payloadToken} {
			for _, o := range []outcome{outAllow, outDeny} {
				cred := credCookie
				if p == payloadToken {
					cred = credBearer
				}
				req, d := request{payload: p, arnText: arn, cred: cred}, decision{outcome: o, reason: reasonAllow, v: v}
				if o == outDeny {
					d.reason = reasonCSRF
				}
				out, err := render(&req, &d, new(responses))
				if err != nil {
					t.Fatalf("%q: %v", s, err)
				}
				ctx := map[string]string{}
				if p == payloadV2 {
					var r events.APIGatewayV2CustomAuthorizerSimpleResponse
					if err := json.Unmarshal(out, &r); err != nil || r.IsAuthorized != (o == outAllow) {
						t.Fatalf("%s: %v", out, err)
					}
					for k, v := range r.Context {
						ctx[k], _ = v.(string)
					}
				} else {
					var r events.APIGatewayCustomAuthorizerResponse
					if err := json.Unmarshal(out, &r); err != nil {
						t.Fatalf("%s: %v", out, err)
					}
					if r.PrincipalID != valid(s) || r.PolicyDocument.Statement[0].Resource[0] != arn ||
						r.PolicyDocument.Statement[0].Effect != map[outcome]string{outAllow: "Allow", outDeny: "Deny"}[o] {
						t.Fatalf("%s", out)
					}
					for k, v := range r.Context {
						ctx[k], _ = v.(string)
					}
				}
				claims := valid(s)
				if s == "" {
					claims = "{}"
				}
				want := map[string]string{CtxUserID: valid(s), CtxSessionID: valid(s), CtxRoles: RolesValue([]string{valid(s), valid(s)}),
					CtxClaims: claims, CtxFrontToken: valid(s), CtxSetCookie: v.SetCookie.String(), CtxAccessToken: ""}
				if cred == credBearer {
					want[CtxSetCookie], want[CtxAccessToken] = "", v.SetCookie.Value
				}
				if o == outDeny {
					want[CtxBody] = csrfBody
				}
				if !reflect.DeepEqual(ctx, want) {
					t.Fatalf("%q: context %q, want %q", s, ctx, want)
				}
			}
		}
	}
}

// valid is s with each invalid UTF-8 byte replaced by U+FFFD.
func valid(s string) string { return string([]rune(s)) }

// fuzzSessions validates two access token values as a session with roles:
// "good", and "rot", whose validation rotates it to "newtok"; any other
// value is unknown.
type fuzzSessions struct{ cfg session.Config }

func (f fuzzSessions) Config() session.Config { return f.cfg }

func (f fuzzSessions) ValidateAny(_ context.Context, values []string) (*session.Validated, error) {
	if len(values) == 0 {
		return nil, session.ErrNoSession
	}
	for _, v := range values {
		switch v {
		case "good":
			return &session.Validated{SessionID: "s1", UserID: "u1", Roles: []string{"viewer"}, Claims: []byte(`{"plan":"pro"}`)}, nil
		case "rot":
			return &session.Validated{SessionID: "s1", UserID: "u1", Roles: []string{"viewer"}, Claims: []byte(`{"plan":"pro"}`),
				SetCookie: &http.Cookie{Name: f.cfg.AccessCookieName, Value: "newtok", Path: "/"}, FrontToken: "ft"}, nil
		}
	}
	return nil, session.ErrUnknown
}

// handedBack checks where a response's context puts the rotated token:
// accessToken for a bearer request, setCookie for a cookie request.
func handedBack(t *testing.T, req *request, ctx map[string]any) {
	t.Helper()
	rotated := false // the value fuzzSessions takes is the first it knows
	for _, v := range req.values {
		if v == "good" || v == "rot" {
			rotated = v == "rot"
			break
		}
	}
	access, _ := ctx[CtxAccessToken].(string)
	cookie, _ := ctx[CtxSetCookie].(string)
	switch {
	case !rotated:
		if access != "" || cookie != "" {
			t.Fatalf("nothing rotated, context %v", ctx)
		}
	case req.cred == credBearer:
		if access != "newtok" || cookie != "" || ctx[CtxFrontToken] != "ft" {
			t.Fatalf("bearer request, context %v", ctx)
		}
	default:
		if access != "" || !strings.HasPrefix(cookie, session.DefaultConfig().AccessCookieName+"=newtok;") || ctx[CtxFrontToken] != "ft" {
			t.Fatalf("cookie request, context %v", ctx)
		}
	}
}

// FuzzDecodeEvent: any bytes are either refused by the strict decoder — then
// the answer is exactly the BadEventResponse — or decoded into a request that
// goes on to a decision: Allow, Deny or 401 for the ARN the event named,
// never a bad event or a 500, and never a panic. Input that is not strict
// JSON (jsontext's own check) is never accepted. The credential is one the
// request really carried: a bearer token only from a well-formed
// Authorization value (session.ParseBearer) that reaches the engine alone,
// cookies only from the access cookie, and a token handed back only to the
// request that presented it that way.
func FuzzDecodeEvent(f *testing.F) {
	cfg := session.DefaultConfig()
	cfg.AllowedOrigins = []string{"https://app.example.com"}
	// Seeds name the access cookie {{ACCESS_NAME}}, as testdata's events do.
	seed := func(b []byte) []byte {
		b = bytes.ReplaceAll(b, []byte("{{ACCESS_NAME}}"), []byte(cfg.AccessCookieName))
		return bytes.ReplaceAll(b, []byte("{{ACCESS}}"), []byte("good"))
	}
	files, _ := filepath.Glob("testdata/*.event.json")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(seed(b))
	}
	for _, s := range []string{
		`{"type":"TOKEN"}`, `null`, `[]`, `{"type":"REQUEST","type":"REQUEST"}`,
		`{"version":"2.0","type":"REQUEST","routeArn":"arn:aws:execute-api:eu-west-1:123456789012:a/$default/POST/","cookies":[null,"{{ACCESS_NAME}}=good"],"headers":{"RID":"1","origin":["https://app.example.com"]}}`,
		`{"type":"REQUEST","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:a/prod/GET/x","multiValueHeaders":{"Cookie":"{{ACCESS_NAME}}=good","\u0063ookie":["a=\"b\""]}}`,
		`{"type":"REQUEST","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:a/prod/GET/x","headers":{"cookie":5}}`,
		`{"type":"TOKEN","authorizationToken":"Bearer rot","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:a/prod/GET/api/x"}`,
		`{"type":"REQUEST","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:a/prod/GET/x","headers":{"Cookie":"{{ACCESS_NAME}}=rot"}}`,
		`{"type":"TOKEN","authorizationToken":"Bearer good","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:a/prod/GET/api/x"}`,
		`{"type":"TOKEN","authorizationToken":"bearer  good= ","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:a/prod/DELETE/admin/x"}`,
		`{"type":"TOKEN","authorizationToken":"Bearer {{ACCESS_NAME}}=good","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:a/prod/*/x"}`,
		`{"type":"TOKEN","authorizationToken":null,"methodArn":"arn:aws:execute-api:eu-west-1:123456789012:a/prod/GET/x"}`,
		`{"type":"REQUEST","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:a/prod/POST/x","headers":{"Authorization":"Bearer good","Cookie":"{{ACCESS_NAME}}=stale","st-auth-mode":"header"}}`,
		`{"type":"REQUEST","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:a/prod/POST/x","multiValueHeaders":{"authorization":["Bearer good","Bearer good"]}}`,
		`{"version":"2.0","type":"REQUEST","routeArn":"arn:aws:execute-api:eu-west-1:123456789012:a/$default/GET/x","headers":{"authorization":"Bearer good, Bearer x"},"cookies":["{{ACCESS_NAME}}=good"]}`,
	} {
		f.Add(seed([]byte(s)))
	}
	rules, err := ParseRules(`[{"method":"*","path":"/admin/**","roles":["admin"]},{"method":"GET","path":"/api/*","claims":{"plan":["pro"]}}]`)
	if err != nil {
		f.Fatal(err)
	}
	h, err := New(Config{Manager: fuzzSessions{cfg}, Rules: rules, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Metrics: io.Discard, LogSalt: []byte("fuzz")})
	if err != nil {
		f.Fatal(err)
	}
	badEvent, err := render(&request{}, &decision{outcome: outBadEvent}, new(responses))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, perr := parse(data, cfg.AccessCookieName, new(invocation))
		out, err := h.Invoke(context.Background(), data)
		if perr != nil {
			if !errors.Is(perr, errBadEvent) || err != nil || !bytes.Equal(out, badEvent) {
				t.Fatalf("refused (%v) but answered %v %s", perr, err, out)
			}
			return
		}
		if !jsontext.Value(data).IsValid() {
			t.Fatalf("accepted input that is not strict JSON: %q", data)
		}
		if req.payload == payloadUnknown || req.method != strings.ToUpper(req.method) ||
			!utf8.ValidString(req.path) || (req.payload == payloadToken && req.method == "*") {
			t.Fatalf("request %+v", req)
		}
		switch req.cred {
		case credBearer:
			if len(req.values) != 1 || !strings.Contains(string(data), req.values[0]) {
				t.Fatalf("bearer credential %q", req.values)
			}
			if tok, err := session.ParseBearer("Bearer " + req.values[0]); err != nil || tok != req.values[0] {
				t.Fatalf("bearer token %q is not one ParseBearer returns: %v", req.values[0], err)
			}
		case credCookie:
			if len(req.values) == 0 || req.payload == payloadToken {
				t.Fatalf("cookie credential %q from a %s event", req.values, req.payload)
			}
		default:
			if len(req.values) != 0 {
				t.Fatalf("%s credential with values %q", req.cred, req.values)
			}
		}
		switch {
		case err != nil:
			if err != ErrUnauthorized || out != nil {
				t.Fatalf("accepted event answered %v %s", err, out)
			}
			if slices.Contains(req.values, "good") || slices.Contains(req.values, "rot") {
				t.Fatalf("a valid credential was refused: %+v", req)
			}
		case req.payload == payloadV2:
			var r events.APIGatewayV2CustomAuthorizerSimpleResponse
			if err := json.Unmarshal(out, &r); err != nil || r.Context[CtxUserID] != "u1" {
				t.Fatalf("2.0 answer %s: %v", out, err)
			}
			handedBack(t, &req, r.Context)
		default:
			var r events.APIGatewayCustomAuthorizerResponse
			if err := json.Unmarshal(out, &r); err != nil || r.PrincipalID != "u1" ||
				r.PolicyDocument.Statement[0].Resource[0] != req.arn.String() {
				t.Fatalf("1.0 answer %s: %v", out, err)
			}
			handedBack(t, &req, r.Context)
		}
	})
}
