package authorizer_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session"
)

// AppendCookieValues under the configured (default) access cookie name,
// written @ in the table: names match exactly, the prefix included.
func TestAppendCookieValues(t *testing.T) {
	name := session.DefaultConfig().AccessCookieName
	cases := []struct {
		header string
		want   []string
	}{
		{"", nil},
		{"@=a", []string{"a"}},
		{"x=1; @=a; y=2; @=b", []string{"a", "b"}},
		{"  @ = a ;@=\tb\t", []string{"a", "b"}},
		{`@="q"`, []string{"q"}},
		{`@=""`, nil},
		{`@=" "`, nil},
		{`@=" 	q "`, []string{"q"}},
		{"@=; @", nil},
		{"@=a=b==", []string{"a=b=="}},
		{";;;=;==;@=z", []string{"z"}},
		{"@=\xff\xfe", []string{"\xff\xfe"}},
		{"X@=a; @X=b", nil},
		{strings.ToLower(name) + "=a; " + strings.ToUpper(name) + "=b", nil},
		{"sAccessToken=a; __host-sAccessToken=b; __HOST-SACCESSTOKEN=c; __Secure-sAccessToken=d", nil},
	}
	for _, c := range cases {
		header := strings.ReplaceAll(c.header, "@", name)
		got := authorizer.AppendCookieValues(nil, header, name)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %q, want %q", header, got, c.want)
		}
	}
	if got := authorizer.AppendCookieValues(nil, strings.Repeat(name+"=v; ", 5000), name); len(got) != 5000 {
		t.Fatalf("no cap: %d values of 5000", len(got))
	}
}

func FuzzAppendCookieValues(f *testing.F) {
	name := session.DefaultConfig().AccessCookieName
	for _, s := range []string{"", name + "=a", "a=1; " + name + "=\"b\"; " + name + "=c", ";;=;", "\xff=\xfe;" + name + "=\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := authorizer.AppendCookieValues(nil, header, name)
		if len(got) > strings.Count(header, name) {
			t.Fatalf("%d values from %d names", len(got), strings.Count(header, name))
		}
		for _, v := range got {
			if v == "" || strings.ContainsRune(v, ';') || !strings.Contains(header, v) {
				t.Fatalf("value %q from %q", v, header)
			}
			if v != strings.Trim(v, " \t") && utf8.ValidString(v) {
				t.Fatalf("untrimmed value %q", v)
			}
		}
	})
}

func TestParseMethodARN(t *testing.T) {
	good := map[string]authorizer.MethodARN{
		"arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/GET/request": {Partition: "aws", Region: "us-east-1",
			AccountID: "123456789012", APIID: "s4x3opwd6i", Stage: "test", Method: "GET", Resource: "request"},
		"arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/POST/a/b/c": {Partition: "aws-cn", Region: "cn-north-1",
			AccountID: "123456789012", APIID: "abc", Stage: "prod", Method: "POST", Resource: "a/b/c"},
		"arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abc/$default/GET/": {Partition: "aws-us-gov",
			Region: "us-gov-west-1", AccountID: "123456789012", APIID: "abc", Stage: "$default", Method: "GET"},
		"arn:aws:execute-api:eu-west-1:123456789012:abc/prod/*/x:y": {Partition: "aws", Region: "eu-west-1",
			AccountID: "123456789012", APIID: "abc", Stage: "prod", Method: "*", Resource: "x:y"},
	}
	for s, want := range good {
		got, err := authorizer.ParseMethodARN(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got.Partition != want.Partition || got.Region != want.Region || got.AccountID != want.AccountID ||
			got.APIID != want.APIID || got.Stage != want.Stage || got.Method != want.Method || got.Resource != want.Resource {
			t.Errorf("%s: got %+v", s, got)
		}
		if got.String() != s {
			t.Errorf("String() = %q, want %q", got.String(), s)
		}
	}
	bad := []string{
		"", "arn", "arn:aws:execute-api:us-east-1:123456789012",
		"arn:aws:lambda:us-east-1:123456789012:abc/prod/GET/x",
		"arn:gcp:execute-api:us-east-1:123456789012:abc/prod/GET/x",
		"arn:aws:execute-api::123456789012:abc/prod/GET/x",
		"arn:aws:execute-api:US-EAST-1:123456789012:abc/prod/GET/x",
		"arn:aws:execute-api:us-east-1:12345:abc/prod/GET/x",
		"arn:aws:execute-api:us-east-1:123456789012:/prod/GET/x",
		"arn:aws:execute-api:us-east-1:123456789012:abc//GET/x",
		"arn:aws:execute-api:us-east-1:123456789012:abc/prod",
		"arn:aws:execute-api:us-east-1:123456789012:abc/prod/get/x",
		"arn:aws:execute-api:us-east-1:123456789012:a-b/prod/GET/x",
		"xrn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/x",
		"arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/" + strings.Repeat("a", authorizer.MaxARNBytes),
	}
	for _, s := range bad {
		if _, err := authorizer.ParseMethodARN(s); !errors.Is(err, authorizer.ErrBadARN) {
			t.Errorf("%q: err %v", s, err)
		}
	}
}

func FuzzParseMethodARN(f *testing.F) {
	f.Add("arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/GET/request")
	f.Add("arn:aws-cn:execute-api:cn-north-1:123456789012:abc/$default/*/")
	f.Add("arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/a/b:c/../d")
	f.Add("arn:::::/")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := authorizer.ParseMethodARN(s)
		if err != nil {
			if !errors.Is(err, authorizer.ErrBadARN) {
				t.Fatalf("error does not wrap ErrBadARN: %v", err)
			}
			return
		}
		if a.String() != s {
			t.Fatalf("round trip: %q -> %q", s, a.String())
		}
		// The parts are strings.SplitN's.
		parts := strings.SplitN(s, ":", 6)
		rest := strings.SplitN(parts[len(parts)-1], "/", 4)
		if len(parts) != 6 || len(rest) < 3 || a.Partition != parts[1] || a.Region != parts[3] || a.AccountID != parts[4] ||
			a.APIID != rest[0] || a.Stage != rest[1] || a.Method != rest[2] || a.Resource != strings.Join(rest[3:], "") {
			t.Fatalf("%q parsed as %+v", s, a)
		}
		if len(a.AccountID) != 12 || a.APIID == "" || a.Stage == "" || a.Method == "" || a.Region == "" {
			t.Fatalf("accepted %q as %+v", s, a)
		}
		p := authorizer.NewPolicy(authorizer.Deny, a)
		if len(p.Statement) != 1 || p.Statement[0].Resource[0] != s || p.Statement[0].Effect != "Deny" {
			t.Fatalf("policy %+v", p)
		}
	})
}

func TestParseRulesErrors(t *testing.T) {
	_, err := authorizer.ParseRules(`[
	 {"method":"get","path":"/a","roles":["admin"]},
	 {"method":"*","path":"api","roles":["admin"]},
	 {"method":"*","path":"/a/**/b","roles":["admin"]},
	 {"method":"*","path":"/a/x*","roles":["admin"]},
	 {"method":"*","path":"/a//b","roles":["admin"]},
	 {"method":"*","path":"/a"},
	 {"method":"*","path":"/a","roles":["bad role,comma"]},
	 {"method":"*","path":"/a","claims":{"plan":[]}},
	 {"method":"*","path":"/a","claims":{"plan":[{"x":1}]}},
	 {"method":"*","path":"/a/../b","roles":["admin"]},
	 {"method":"*","path":"/a","anyRoles":[]},
	 {"method":"*","path":"/a","anyRoles":["ok","bad role"]}
	]`)
	if !errors.Is(err, authorizer.ErrInvalidRules) {
		t.Fatalf("err %v", err)
	}
	for i := 0; i < 12; i++ {
		if !strings.Contains(err.Error(), fmt.Sprintf("rule %d:", i)) {
			t.Errorf("rule %d not reported:\n%v", i, err)
		}
	}
	for _, want := range []string{"rule 10: anyRoles: empty list", "rule 11: anyRoles:", "rule 5: needs roles, anyRoles or claims"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	// encoding/json/v2 words its errors; each names what is wrong and where.
	for s, want := range map[string]string{
		`{}`: `JSON object`,
		`[{"method":"*","path":"/a","role":["admin"]}]`:                     `"role" within "/0"`,
		`[{"method":"*","path":"/a","Roles":["admin"]}]`:                    `"Roles" within "/0"`,
		`[{"method":"*","path":"/a","roles":["admin"],"roles":["viewer"]}]`: `duplicate object member name "roles" within "/0"`,
		`[] []`:          "after top-level value",
		`[{"method":1}]`: `JSON number into Go string within "/0/method"`,
		`[{"method":"*","path":"/a","claims":{"plan":true}}]`: `JSON boolean into Go []interface {} within "/0/claims/plan"`,
	} {
		_, err := authorizer.ParseRules(s)
		if !errors.Is(err, authorizer.ErrInvalidRules) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", s, err, want)
		}
	}
	if r, err := authorizer.ParseRules("  "); err != nil || r.Len() != 0 {
		t.Fatalf("empty rules: %v", err)
	}
}

// RolesValue and SplitRoles: the roles context value is never empty, and
// reads back as the same roles.
func TestRolesValue(t *testing.T) {
	for _, c := range []struct {
		roles []string
		value string
	}{
		{nil, ","},
		{[]string{}, ","},
		{[]string{"admin"}, "admin"},
		{[]string{"editor", "viewer"}, "editor,viewer"},
	} {
		if got := authorizer.RolesValue(c.roles); got != c.value {
			t.Errorf("RolesValue(%q) = %q, want %q", c.roles, got, c.value)
		}
		if back := authorizer.SplitRoles(c.value); len(back) != len(c.roles) || (len(back) > 0 && !reflect.DeepEqual(back, c.roles)) {
			t.Errorf("SplitRoles(%q) = %q, want %q", c.value, back, c.roles)
		}
	}
	if got := authorizer.SplitRoles(""); got != nil {
		t.Errorf("SplitRoles(\"\") = %q", got)
	}
}

func TestRulePatterns(t *testing.T) {
	rules, err := authorizer.ParseRules(`[
	 {"method":"*","path":"/","roles":["root"]},
	 {"method":"GET","path":"/a/*/c","roles":["star"]},
	 {"method":"*","path":"/t/**","roles":["tail"]},
	 {"method":"*","path":"/**","roles":["all"]}
	]`)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		method, path string
		want         []string // roles demanded
	}{
		{"GET", "/", []string{"root", "all"}},
		{"GET", "", []string{"root", "all"}},
		{"GET", "/a/b/c", []string{"star", "all"}},
		{"POST", "/a/b/c", []string{"all"}},
		{"GET", "/a/b/c/d", []string{"all"}},
		{"GET", "/a//c", []string{"all"}},
		{"GET", "/t", []string{"tail", "all"}},
		{"GET", "/t/x/y/z", []string{"tail", "all"}},
		{"GET", "/tx", []string{"all"}},
		{"GET", "/x/../t/./y", []string{"tail", "all"}},
	}
	for _, c := range cases {
		errs := rules.Check(c.method, c.path, nil, json.RawMessage(`{}`))
		var got []string
		for _, e := range errs {
			got = append(got, e.Reason.ExpectedToInclude)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s: demanded %v, want %v", c.method, c.path, got, c.want)
		}
	}
}

// Claim values match an allowed value when they are the same JSON value
// (compared in canonical form, RFC 8785); claims that are not one strict
// JSON object have no values, so every claim rule fails: closed.
func TestClaimValues(t *testing.T) {
	rules, err := authorizer.ParseRules(`[
	 {"method":"*","path":"/n","claims":{"n":[1]}},
	 {"method":"*","path":"/s","claims":{"s":["pro","é"]}},
	 {"method":"*","path":"/b","claims":{"b":[true]}}
	]`)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, claims string
		want         string // "" when the rule passes, else the JSON of the one failure
	}{
		{"/n", `{"n":1}`, ""},
		{"/n", `{"n":1.0}`, ""},
		{"/n", `{"n":1e0}`, ""},
		{"/n", `{"n":[2,1]}`, ""},
		{"/n", `{"n":"1"}`, `{"id":"n","reason":{"message":"wrong value","expectedToBeOneOf":[1],"actualValue":"1"}}`},
		{"/n", `{"n":[[1],{"n":1}]}`, `{"id":"n","reason":{"message":"wrong value","expectedToIncludeAtLeastOneOf":[1],"actualValue":[[1],{"n":1}]}}`},
		{"/n", `{"n":null}`, `{"id":"n","reason":{"message":"value does not exist","expectedToBeOneOf":[1]}}`},
		{"/s", `{"s":"pro"}`, ""},
		{"/s", `{"s":"\u0070ro"}`, ""},
		{"/s", `{"s":"\u00e9"}`, ""},
		{"/s", `{"s":"Pro"}`, `{"id":"s","reason":{"message":"wrong value","expectedToBeOneOf":["pro","é"],"actualValue":"Pro"}}`},
		{"/s", `{"s":{"a":"pro"}}`, `{"id":"s","reason":{"message":"wrong value","expectedToBeOneOf":["pro","é"],"actualValue":{"a":"pro"}}}`},
		{"/b", `{"b":true}`, ""},
		{"/b", `{"b":"true"}`, `{"id":"b","reason":{"message":"wrong value","expectedToBeOneOf":[true],"actualValue":"true"}}`},
		// Not one strict JSON object: no claims at all.
		{"/s", `{"s":"pro","s":"pro"}`, `{"id":"s","reason":{"message":"value does not exist","expectedToBeOneOf":["pro","é"]}}`},
		{"/s", `[{"s":"pro"}]`, `{"id":"s","reason":{"message":"value does not exist","expectedToBeOneOf":["pro","é"]}}`},
		{"/s", `{"s":"pro"} x`, `{"id":"s","reason":{"message":"value does not exist","expectedToBeOneOf":["pro","é"]}}`},
		{"/s", ``, `{"id":"s","reason":{"message":"value does not exist","expectedToBeOneOf":["pro","é"]}}`},
	}
	for _, c := range cases {
		errs := rules.Check("GET", c.path, nil, []byte(c.claims))
		got := ""
		if len(errs) == 1 {
			b, err := json.Marshal(errs[0])
			if err != nil {
				t.Fatal(err)
			}
			got = string(b)
		} else if len(errs) > 1 {
			t.Fatalf("%s %s: %d failures", c.path, c.claims, len(errs))
		}
		if got != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.path, c.claims, got, c.want)
		}
	}
}

func FuzzRulesCheck(f *testing.F) {
	rules, err := authorizer.ParseRules(testRules)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("GET", "/api/reports/x", `{"plan":"pro"}`)
	f.Add("POST", "/api/admin/../admin", `{"plan":["team"]}`)
	f.Add("GET", "//", `[]`)
	f.Fuzz(func(t *testing.T, method, path, claims string) {
		for _, e := range rules.Check(method, path, []string{"viewer"}, json.RawMessage(claims)) {
			if e.ID == "" || e.Reason.Message == "" {
				t.Fatalf("empty error %+v", e)
			}
		}
	})
}
