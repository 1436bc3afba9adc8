package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// render writes exactly the committed deploy/ files from deploy/api.yaml,
// prints every route with its protection, and --check notices a file that
// drifted or is missing.
func TestRender(t *testing.T) {
	dir := t.TempDir()
	api := filepath.Join("..", "..", "deploy", "api.yaml")
	r := runCLI(nil, "render", "--api", api, "--out", dir)
	if r.code != exitOK {
		t.Fatalf("render: %+v", r)
	}
	for _, want := range []string{
		"METHOD  PATH                   INTEGRATION  AUTHORIZER  PROTECTION",
		"GET     /public/status         MOCK         none        public",
		"POST    /api/admin             HTTP         REQUEST     session, any role of admin",
		"GET     /api/me                HTTP         REQUEST     session",
		"POST    /auth/session/refresh  AWS_PROXY    none        session API",
		"warning: GET /api/lambda-me (AWS_PROXY): API Gateway cannot map a rotated cookie",
		"no HTTP API equivalent (left out of httpapi-openapi.json): GET /public/status (MOCK)",
	} {
		if !strings.Contains(squeeze(r.stdout), squeeze(want)) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Fatalf("render wrote %d files", len(entries))
	}
	for _, e := range entries {
		got, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		committed, err := os.ReadFile(filepath.Join("..", "..", "deploy", e.Name()))
		if err != nil || !bytes.Equal(got, committed) {
			t.Errorf("%s differs from the committed deploy/%s", e.Name(), e.Name())
		}
	}
	r = runCLI(nil, "render", "--api", api, "--out", dir, "--check")
	if r.code != exitOK || !strings.Contains(r.stdout, "render: "+dir+" is up to date (4 files)") {
		t.Fatalf("check of fresh files: %+v", r)
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "rules.json")); err != nil {
		t.Fatal(err)
	}
	r = runCLI(nil, "render", "--api", api, "--out", dir, "--check")
	if r.code != exitFail || !strings.Contains(r.stdout, "differs: "+filepath.Join(dir, "openapi.json")) ||
		!strings.Contains(r.stdout, "missing: "+filepath.Join(dir, "rules.json")) || !strings.Contains(r.stderr, "2 file(s)") {
		t.Fatalf("check of a drifted and a missing file: %+v", r)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "openapi.json")); string(b) != "{}" {
		t.Fatal("--check wrote a file")
	}
}

// Without --out, render writes beside the document.
func TestRenderDefaultOut(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(doc, []byte(minimalAPI), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(nil, "render", "--api", doc); r.code != exitOK {
		t.Fatalf("%+v", r)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "rules.json")); err != nil || string(b) != "[]\n" {
		t.Fatalf("rules.json %q %v", b, err)
	}
}

// A document whose root asks for a TOKEN authorizer renders one, and the
// route table says which authorizer protects each route.
func TestRenderTokenAuthorizer(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(doc, []byte(tokenAPI), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(nil, "render", "--api", doc)
	if r.code != exitOK {
		t.Fatalf("%+v", r)
	}
	for _, want := range []string{
		"GET     /me                    HTTP         TOKEN       session",
		"GET     /status                HTTP         none        public",
		"POST    /auth/session/refresh  AWS_PROXY    none        session API",
	} {
		if !strings.Contains(squeeze(r.stdout), squeeze(want)) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "openapi.json"))
	if err != nil || !strings.Contains(string(b), `"type": "token"`) {
		t.Errorf("openapi.json has no token authorizer: %v", err)
	}
	if r := runCLI(nil, "render", "--api", doc, "--check"); r.code != exitOK {
		t.Errorf("check: %+v", r)
	}
}

const tokenAPI = `openapi: 3.0.1
info: {title: t, version: "1"}
x-sessiongate: {authorizer: token}
paths:
  /me:
    get:
      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "https://backend.example.com/me"}
  /status:
    get:
      x-sessiongate: {session: none}
      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "https://backend.example.com/status"}
`

const minimalAPI = `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /me:
    get:
      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "https://backend.example.com/me"}
`

func TestRenderErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(`openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /api/admin:
    get:
      x-sessiongate: {role: [admin]}
      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "https://b.example.com/x"}
    post:
      x-sessiongate: {roles: []}
  /api/items:
    get:
      x-sessiongate: {authorizer: token}
      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: "https://b.example.com/x"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"no --api", []string{"render"}, exitUsage, []string{"--api FILE is required"}},
		{"old --dir form", []string{"render", "--dir", "deploy"}, exitUsage, []string{"-dir"}},
		{"stray argument", []string{"render", "--api", bad, "extra"}, exitUsage, []string{"unexpected argument"}},
		{"missing file", []string{"render", "--api", filepath.Join(dir, "nope.yaml")}, exitFail, []string{"nope.yaml"}},
		{"bad document", []string{"render", "--api", bad}, exitFail, []string{
			bad + ":6: GET /api/admin: x-sessiongate: unknown key \"role\"",
			bad + ":9: POST /api/admin: x-sessiongate: roles: empty list",
			bad + ":8: POST /api/admin: no x-amazon-apigateway-integration",
			bad + ":12: GET /api/items: x-sessiongate: authorizer: set it once at the document's root",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(nil, c.args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d: %+v", r.code, c.code, r)
			}
			for _, want := range c.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a failed render wrote files: %v", entries)
	}
}

// squeeze collapses runs of spaces, so that a pinned row of render's route
// table does not depend on the column widths, which follow the longest path.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }
