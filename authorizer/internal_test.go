package authorizer

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// The private union event reads the same fields as aws-lambda-go's types.
func TestEventMatchesLambdaTypes(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.event.json")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev event
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Version == "2.0" {
			var v2 events.APIGatewayV2CustomAuthorizerV2Request
			if err := json.Unmarshal(raw, &v2); err != nil {
				t.Fatal(err)
			}
			if ev.RouteArn != v2.RouteArn || ev.RawPath != v2.RawPath || !reflect.DeepEqual(ev.Cookies, v2.Cookies) ||
				!sameBag(ev.Headers, single(v2.Headers)) || ev.RequestContext.HTTP.Method != v2.RequestContext.HTTP.Method ||
				ev.RequestContext.HTTP.Path != v2.RequestContext.HTTP.Path || ev.RequestContext.Stage != v2.RequestContext.Stage ||
				ev.RequestContext.RequestID != v2.RequestContext.RequestID {
				t.Fatalf("%s: union and events.APIGatewayV2CustomAuthorizerV2Request differ", f)
			}
			continue
		}
		var v1 events.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(raw, &v1); err != nil {
			t.Fatal(err)
		}
		if ev.MethodArn != v1.MethodArn || ev.Path != v1.Path || ev.HTTPMethod != v1.HTTPMethod || ev.Type != v1.Type ||
			!sameBag(ev.Headers, single(v1.Headers)) || !sameBag(ev.MultiValueHeaders, v1.MultiValueHeaders) ||
			ev.RequestContext.RequestID != v1.RequestContext.RequestID {
			t.Fatalf("%s: union and events.APIGatewayCustomAuthorizerRequestTypeRequest differ", f)
		}
	}
}

func TestStagePrefixStripped(t *testing.T) {
	h := &Handler{access: "sAccessToken"}
	cases := []struct{ stage, raw, want string }{
		{"prod", "/prod/api/me", "/api/me"},
		{"prod", "/prod", ""},
		{"prod", "/production/api", "/production/api"},
		{"$default", "/api/me", "/api/me"},
		{"$default", "/$default/api", "/$default/api"},
	}
	for _, c := range cases {
		raw, _ := json.Marshal(map[string]any{"version": "2.0", "type": "REQUEST",
			"routeArn": "arn:aws:execute-api:us-east-1:123456789012:abc/" + c.stage + "/GET/x", "rawPath": c.raw,
			"requestContext": map[string]any{"stage": c.stage, "http": map[string]any{"method": "GET"}}})
		req, err := h.parse(raw)
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
			// Header names fold ASCII letters only. Every other rune that
			// strings.EqualFold maps to an ASCII letter (the Kelvin sign
			// to 'k', the long s to 's') is longer in UTF-8, so equal
			// lengths rule them out.
			if len(k) == len(name) && strings.EqualFold(k, name) {
				out = append(out, v...)
			}
		}
		sort.Strings(out)
		return out
	}
	sorted := func(v []string) []string {
		v = append([]string(nil), v...)
		sort.Strings(v)
		if len(v) == 0 {
			return nil
		}
		return v
	}
	decoded := func(s jsonStrings) []string {
		var out []string
		for i := range s.n {
			out = append(out, s.decoded(i))
		}
		return out
	}
	return b.present == (len(m) > 0) && b.entries == len(m) &&
		reflect.DeepEqual(sorted(decoded(b.cookie)), pick("cookie")) && b.rid == len(pick("rid")) &&
		reflect.DeepEqual(sorted(decoded(b.origin)), pick("origin"))
}

// FuzzHeaderBag checks the hand-written header walker against encoding/json
// decoding into the maps aws-lambda-go uses.
func FuzzHeaderBag(f *testing.F) {
	f.Add(`{"Cookie":"a=1","rid":"x","Origin":"https://a"}`)
	f.Add(`{"cookie":["a=1","b=2"],"COOKIE":["c"],"x":["y"]}`)
	f.Add(`{"\u0063ookie":"a\"b","rid":null}`)
	f.Add(`{"a":{"b":[1,{"c":"]}"}]},"cookie":"z"}`)
	f.Add(`{ "cookie" : [ "a" , null ] }`)
	f.Add(`{"coo\u212aie":"a=1","Cookie":"b=2"}`) // the Kelvin sign is not a 'k'
	f.Fuzz(func(t *testing.T, data string) {
		if !json.Valid([]byte(data)) {
			return
		}
		var got headerBag
		errBag := json.Unmarshal([]byte(data), &got)
		var single map[string]string
		if json.Unmarshal([]byte(data), &single) == nil && single != nil {
			if errBag != nil {
				t.Fatalf("map[string]string decodes %q, headerBag fails: %v", data, errBag)
			}
			m := map[string][]string{}
			for k, v := range single {
				if v != "" || !strings.Contains(data, "null") {
					m[k] = []string{v}
				}
			}
			if got.entries == len(single) && !strings.Contains(data, "null") && !sameBag(got, m) {
				t.Fatalf("%q: bag %+v, map %v", data, got, single)
			}
			return
		}
		var multi map[string][]string
		if json.Unmarshal([]byte(data), &multi) == nil && multi != nil && !strings.Contains(data, "null") {
			if errBag != nil {
				t.Fatalf("map[string][]string decodes %q, headerBag fails: %v", data, errBag)
			}
			if got.entries == len(multi) && !sameBag(got, multi) {
				t.Fatalf("%q: bag %+v, map %v", data, got, multi)
			}
		}
	})
}

// FuzzDecodeEvent holds the hand-written event walker to encoding/json's
// decoding of the same struct: same success, same fields.
func FuzzDecodeEvent(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.event.json")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(string(b))
	}
	f.Add(`{"version":"2.0","version":null,"cookies":[null,"a=1"],"requestContext":{"http":{"path":"/x"}}}`)
	f.Add(`{"type":"REQUEST","headers":null,"multiValueHeaders":{"cookie":["a","b"]},"x":[{"y":"}"}]}`)
	f.Add(`{"path":1}`)
	f.Add(`{"path":1,`)
	f.Add(`{"headers":{"cookie":5},"x":[}`)
	f.Add(`{"cookies":["a",1]} x`)
	f.Add(`{"requestContext":{"http":{"method":"GET","path":true}},"x":tru}`)
	fields := []string{"version", "type", "methodArn", "routeArn", "path", "httpMethod", "headers",
		"multiValueHeaders", "cookies", "rawPath", "requestContext", "requestId", "stage", "http", "method"}
	f.Fuzz(func(t *testing.T, data string) {
		// On any input: errNotObject exactly when it is not a JSON object.
		var ev event
		isObject := json.Valid([]byte(data)) && strings.HasPrefix(strings.TrimLeft(data, " \t\r\n"), "{")
		if err := decodeEvent([]byte(data), &ev); (err == errNotObject) == isObject {
			t.Fatalf("%q: JSON object %v, decodeEvent %v", data, isObject, err)
		}
		if strings.Contains(data, `\u`) || strings.TrimSpace(data) == "null" {
			return
		}
		lower := strings.ToLower(data)
		for _, name := range fields {
			if strings.Count(lower, `"`+strings.ToLower(name)+`"`) != strings.Count(data, `"`+name+`"`) {
				return // encoding/json matches names case-insensitively; we do not
			}
		}
		var want, got event
		errWant := json.Unmarshal([]byte(data), &want)
		errGot := decodeEvent([]byte(data), &got)
		if (errWant == nil) != (errGot == nil) {
			t.Fatalf("%q: encoding/json %v, decodeEvent %v", data, errWant, errGot)
		}
		// As json.Unmarshal checks the whole input first, input that is not
		// JSON is reported as such even after a field of the wrong type.
		if !json.Valid([]byte(data)) && errGot != errNotObject {
			t.Fatalf("%q is not JSON: decodeEvent %v", data, errGot)
		}
		if errWant == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("%q:\nencoding/json %+v\ndecodeEvent   %+v", data, want, got)
		}
	})
}

// decodeEvent counts the containers it walks itself towards json.Valid's
// nesting limit, wherever a deep value sits in the event.
func TestDecodeEventDepth(t *testing.T) {
	spots := []struct {
		before, after string
		around        int // containers around the value
	}{
		{`{"x":`, `}`, 1},
		{`{"requestContext":{"identity":`, `}}`, 2},
		{`{"requestContext":{"http":{"x":`, `}}}`, 3},
		{`{"headers":{"x":`, `}}`, 2},
		{`{"multiValueHeaders":{"x":`, `}}`, 2},
		{`{"type":"REQUEST","headers":{"cookie":"a=1"},"y":`, `}`, 1},
	}
	for _, s := range spots {
		for _, n := range []int{maxJSONDepth - s.around, maxJSONDepth - s.around + 1} {
			doc := []byte(s.before + strings.Repeat("[", n) + strings.Repeat("]", n) + s.after)
			var want, got event
			errWant := json.Unmarshal(doc, &want)
			errGot := decodeEvent(doc, &got)
			if (errWant == nil) != (errGot == nil) || errGot != nil && errGot != errNotObject {
				t.Errorf("%s…%s nested %d deep: encoding/json %v, decodeEvent %v", s.before, s.after, n, errWant, errGot)
			}
		}
	}
}

// FuzzParse: any event bytes give a request or an errBadEvent, never a panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.event.json")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
	f.Add([]byte(`{"type":"TOKEN"}`))
	h := &Handler{access: "sAccessToken"}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := h.parse(data)
		if err != nil {
			if !errors.Is(err, errBadEvent) {
				t.Fatalf("error does not wrap errBadEvent: %v", err)
			}
			return
		}
		if req.payload == payloadUnknown || len(req.cookies) > MaxCookieValues {
			t.Fatalf("request %+v", req)
		}
	})
}
