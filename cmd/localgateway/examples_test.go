package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/gatewayresponses"
	"github.com/sessiongate/sessiongate/internal/lambdaemu"
	"github.com/sessiongate/sessiongate/internal/samtemplate"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// notesExample is the worked example a team copies: an annotated api.yaml,
// what `sessiongate render` wrote from it, and its SAM template.
const notesExample = "../../examples/notes-api"

// TestExampleNotesAPIRouteTable renders examples/notes-api/api.yaml as
// `sessiongate render` does and checks its route table — what render
// prints — gives each route the protection the example teaches. That the
// files in the folder are what it renders to is gatewayresponses'
// TestGenerated.
func TestExampleNotesAPIRouteTable(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(notesExample, "api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := gatewayresponses.ParseSource(doc)
	if err != nil {
		t.Fatalf("api.yaml: %v", err)
	}
	opts, err := gatewayresponses.OptionsForDir(notesExample)
	if err != nil {
		t.Fatal(err)
	}
	r, err := src.Render(opts)
	if err != nil {
		t.Fatalf("api.yaml: %v", err)
	}
	var got []string
	for _, route := range r.Routes {
		got = append(got, route.Method+" "+route.Path+" "+string(route.Integration)+": "+route.Protection)
	}
	want := []string{
		"POST /graphql AWS: session, claim plan one of pro",
		"GET /health MOCK: public",
		"GET /notes HTTP: session",
		"POST /notes AWS_PROXY: session, any role of editor, admin",
		"GET /notes/{id} HTTP: session",
		"DELETE /notes/{id} HTTP: session, any role of admin",
	}
	base := opts.APIBasePath
	if base == "" {
		base = session.DefaultConfig().APIBasePath // render's default too
	}
	for _, sr := range gatewayresponses.SessionRoutes(base) {
		want = append(want, sr.Method+" "+sr.Path+" AWS_PROXY: session API")
	}
	if !slices.Equal(got, want) {
		t.Errorf("route table:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	var lambdaWarned bool
	for _, w := range r.Warnings {
		lambdaWarned = lambdaWarned || strings.HasPrefix(w, "POST /notes (AWS_PROXY)") && strings.Contains(w, "authorizer/backend")
	}
	if !lambdaWarned {
		t.Errorf("no warning that POST /notes must pass the rotated cookie on with authorizer/backend: %q", r.Warnings)
	}
}

// seen is what a stand-in backend received: the method, the path and the
// headers sessiongate maps (never a cookie).
type seen struct {
	Method, Path                        string
	UserID, UserRoles, SessionID, CType string
}

// standIn is an HTTP server standing in for a team's backend; it records
// every request it serves.
type standIn struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func startStandIn(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *standIn {
	t.Helper()
	s := &standIn{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, seen{Method: r.Method, Path: r.URL.Path, UserID: r.Header.Get("x-user-id"),
			UserRoles: r.Header.Get("x-user-roles"), SessionID: r.Header.Get("x-session-id"), CType: r.Header.Get("Content-Type")})
		s.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// served returns the requests served so far.
func (s *standIn) served() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// last returns the one request served since n were, failing the test
// unless exactly one was.
func (s *standIn) last(t *testing.T, n int) seen {
	t.Helper()
	got := s.served()
	if len(got) != n+1 {
		t.Fatalf("the backend served %d requests, want exactly one more than %d: %+v", len(got), n, got)
	}
	return got[n]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// notesService stands in for the team's notes HTTP service behind
// ${NotesBackendUrl}: note n1 exists, every other id is 404.
func notesService(w http.ResponseWriter, r *http.Request) {
	user := r.Header.Get("x-user-id")
	id, isOne := strings.CutPrefix(r.URL.Path, "/notes/")
	switch {
	case r.Method == "GET" && r.URL.Path == "/notes":
		writeJSON(w, 200, []map[string]string{{"id": "n1", "text": "first", "author": user}})
	case isOne && id != "n1":
		writeJSON(w, 404, map[string]string{"message": "no such note"})
	case r.Method == "GET" && isOne:
		writeJSON(w, 200, map[string]string{"id": id, "text": "first", "author": user})
	case r.Method == "DELETE" && isOne:
		writeJSON(w, 200, map[string]string{"deleted": id})
	default:
		writeJSON(w, 405, map[string]string{"message": "method not allowed"})
	}
}

// appSync stands in for the AppSync GraphQL endpoint: its whoami resolver
// (template.yaml) answers the x-user-id header API Gateway mapped.
func appSync(w http.ResponseWriter, r *http.Request) {
	if r.Method != "POST" || r.URL.Path != "/graphql" {
		writeJSON(w, 404, map[string]string{"message": "not found"})
		return
	}
	writeJSON(w, 200, map[string]any{"data": map[string]any{"whoami": r.Header.Get("x-user-id")}})
}

// templateEnv is the environment template.yaml gives function fn with
// params, as deployed, except for what only a deployment has (the
// secrets): those variables get their values from local, and any other
// such variable fails the test.
func templateEnv(t *testing.T, tpl *samtemplate.Template, fn string, params, local map[string]string) []string {
	t.Helper()
	env, unresolved, err := tpl.FunctionEnv(fn, params)
	if err != nil {
		t.Fatalf("template.yaml, %s: %v", fn, err)
	}
	for _, name := range unresolved {
		v, ok := local[name]
		if !ok {
			t.Fatalf("template.yaml, %s: %s is known only to a deployment and the test has no local value for it", fn, name)
		}
		env[name] = v
	}
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// TestExampleNotesAPI serves examples/notes-api as a team runs its own API
// locally: the files `sessiongate render` wrote from its api.yaml under
// the stage /dev (-api, -stage), every Lambda function of its template.yaml
// as a binary built as deployed behind the Lambda Invoke API
// (-lambda-endpoint, package lambdaemu) — sessiongate's authorizer with the
// rendered rules.json beside it as in its package, the session API, and
// the team's own notesfn — each with the environment the template gives
// it; the notes HTTP service (-param NotesBackendUrl) and AppSync
// (-service appsync-api) are stand-ins that record what reaches them; the
// store is a real redis-server.
func TestExampleNotesAPI(t *testing.T) {
	const origin = "https://app.notes.test" // the app's origin: AllowedOrigin
	redis := sessiontest.StartServer(t, sessiontest.Options{})
	keys, err := session.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	notes := startStandIn(t, notesService)
	graphql := startStandIn(t, appSync)

	const mod = "github.com/sessiongate/sessiongate/"
	bins := lambdaemu.Build(t, mod+"cmd/authorizer", mod+"cmd/sessionapi", mod+"examples/notes-api/notesfn")
	rules, err := os.ReadFile(filepath.Join(notesExample, "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(bins[0]), "rules.json"), rules, 0o644); err != nil {
		t.Fatal(err)
	}
	tplText, err := os.ReadFile(filepath.Join(notesExample, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Parse(tplText)
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	params := map[string]string{"AllowedOrigin": origin, "NotesBackendUrl": notes.URL}
	secrets := map[string]string{"REDIS_URL": redis.URL(), "SESSION_KEYS": keys}
	// No secrets for the team's function: it gets neither the store nor the
	// keys (templateEnv fails the test if the template gives it either).
	notesEnv := templateEnv(t, tpl, "NotesFunction", params, nil)
	emu := lambdaemu.StartServer(t,
		lambdaemu.Function{Name: "AuthorizerFunction", Path: bins[0], Env: templateEnv(t, tpl, "AuthorizerFunction", params, secrets)},
		lambdaemu.Function{Name: "SessionApiFunction", Path: bins[1], Env: templateEnv(t, tpl, "SessionApiFunction", params, secrets)},
		lambdaemu.Function{Name: "NotesFunction", Path: bins[2], Env: notesEnv},
	)

	g := startGateway(t, map[string]string{"REDIS_URL": redis.URL(), "SESSION_KEYS": keys}, time.Now,
		"-api", notesExample, "-stage", "dev", "-lambda-endpoint", emu.URL(),
		"-param", "AllowedOrigin="+origin, "-param", "NotesBackendUrl="+notes.URL,
		"-service", "appsync-api="+graphql.URL)

	// cors checks that a response is readable by the app.
	cors := func(t *testing.T, r result) {
		t.Helper()
		if r.Header.Get("Access-Control-Allow-Origin") != origin || r.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("%d without CORS for %s: Access-Control-Allow-Origin %q, -Credentials %q", r.Status, origin,
				r.Header.Get("Access-Control-Allow-Origin"), r.Header.Get("Access-Control-Allow-Credentials"))
		}
	}
	// denied checks a route rule's 403: the claim error the SDK reads.
	denied := func(t *testing.T, r result) {
		t.Helper()
		if r.Status != 403 || r.JSON(t)["message"] != "invalid claim" {
			t.Fatalf("got %d %s, want 403 invalid claim", r.Status, r.Body)
		}
		cors(t, r)
	}
	// browser is the app in a browser, signed in as user with roles (the
	// local gateway's demo sign-in). get and send add the app's Origin, and
	// send the rid header the SDK sends (anti-CSRF) and forged identity
	// headers that the mappings must overwrite.
	browser := func(user string, roles ...string) *client {
		c := newClient(t, g.URL)
		body, _ := json.Marshal(map[string]any{"userId": user, "roles": roles})
		r := c.do("POST", "/dev/auth/demo/signin", string(body), "Origin", origin, "rid", "session")
		if r.Status != 200 {
			t.Fatalf("demo sign-in of %s: %d %s", user, r.Status, r.Body)
		}
		return c
	}
	get := func(c *client, path string, hdr ...string) result {
		return c.do("GET", path, "", append([]string{"Origin", origin}, hdr...)...)
	}
	send := func(c *client, method, path, body string) result {
		return c.do(method, path, body, "Origin", origin, "rid", "session", "x-user-id", "mallory", "x-user-roles", "admin")
	}

	t.Run("public health", func(t *testing.T) {
		r := get(newClient(t, g.URL), "/dev/health")
		if r.Status != 200 || r.JSON(t)["status"] != "ok" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		cors(t, r)
	})
	t.Run("a user route without a session is 401 with CORS", func(t *testing.T) {
		n := len(notes.served())
		r := get(newClient(t, g.URL), "/dev/notes")
		if r.Status != 401 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		cors(t, r)
		if len(notes.served()) != n {
			t.Error("the notes service was called without a session")
		}
	})

	viewerID := sessiontest.UniqueUser("viewer")
	viewer := browser(viewerID, "viewer")
	t.Run("the refresh cookie's Path has the stage", func(t *testing.T) {
		if viewer.cookie("/dev/auth/session/refresh", g.Refresh) == "" || viewer.cookie("/auth/session/refresh", g.Refresh) != "" {
			t.Fatal("the refresh cookie is not scoped to /dev/auth/session/refresh")
		}
	})
	t.Run("viewer lists notes; the service sees the mapped user", func(t *testing.T) {
		n := len(notes.served())
		r := get(viewer, "/dev/notes", "x-user-id", "mallory", "x-user-roles", "admin")
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		cors(t, r)
		s := notes.last(t, n)
		if s.Method != "GET" || s.Path != "/notes" || s.UserID != viewerID || s.UserRoles != "viewer" || s.SessionID == "" {
			t.Errorf("the notes service got %+v: want GET /notes as %s (the client's x-user-id and x-user-roles overwritten)", s, viewerID)
		}
	})
	t.Run("viewer reads one note: the path parameter is mapped", func(t *testing.T) {
		n := len(notes.served())
		r := get(viewer, "/dev/notes/n1")
		if s := notes.last(t, n); s.Method != "GET" || s.Path != "/notes/n1" || s.UserID != viewerID {
			t.Errorf("the notes service got %+v: want GET /notes/n1 as %s", s, viewerID)
		}
		if r.Status != 200 || r.JSON(t)["id"] != "n1" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		r = get(viewer, "/dev/notes/nope")
		if r.Status != 404 {
			t.Fatalf("a missing note: %d %s, want the service's 404", r.Status, r.Body)
		}
		cors(t, r)
	})
	t.Run("viewer may not create, delete or use GraphQL", func(t *testing.T) {
		n, m := len(notes.served()), len(graphql.served())
		denied(t, send(viewer, "POST", "/dev/notes", `{"text":"x"}`))
		denied(t, send(viewer, "DELETE", "/dev/notes/n1", ""))
		denied(t, send(viewer, "POST", "/dev/graphql", `{"query":"{ whoami }"}`))
		if len(notes.served()) != n || len(graphql.served()) != m || emu.Invocations("NotesFunction") != 0 {
			t.Errorf("a denied request reached a backend: notes %d→%d, graphql %d→%d, NotesFunction %d",
				n, len(notes.served()), m, len(graphql.served()), emu.Invocations("NotesFunction"))
		}
	})

	t.Run("editor creates a note through the Lambda function", func(t *testing.T) {
		editorID := sessiontest.UniqueUser("editor")
		r := send(browser(editorID, "editor"), "POST", "/dev/notes", `{"text":"hello"}`)
		if r.Status != 201 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if b := r.JSON(t); b["author"] != editorID || b["text"] != "hello" {
			t.Errorf("note %s: want author %s (from requestContext.authorizer, not the client's x-user-id)", r.Body, editorID)
		}
		cors(t, r)
		if n := emu.Invocations("NotesFunction"); n != 1 {
			t.Errorf("NotesFunction was invoked %d times through the emulator, want 1", n)
		}
	})
	t.Run("admin deletes a note", func(t *testing.T) {
		adminID := sessiontest.UniqueUser("admin")
		n := len(notes.served())
		r := send(browser(adminID, "admin"), "DELETE", "/dev/notes/n1", "")
		if s := notes.last(t, n); s.Method != "DELETE" || s.Path != "/notes/n1" || s.UserID != adminID || s.UserRoles != "admin" {
			t.Errorf("the notes service got %+v: want DELETE /notes/n1 as %s", s, adminID)
		}
		if r.Status != 200 || r.JSON(t)["deleted"] != "n1" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		cors(t, r)
	})
	t.Run("plan pro reaches AppSync with the mapped identity", func(t *testing.T) {
		rdb, err := redisstore.NewClient(redisstore.ClientConfig{URL: redis.URL(), Mode: redisstore.ModeStandalone})
		if err != nil {
			t.Fatal(err)
		}
		defer rdb.Close()
		if n, err := redisstore.New(rdb, redisstore.Options{}).SetClaims(context.Background(), viewerID, []string{"viewer"}, []byte(`{"plan":"pro"}`)); err != nil || n != 1 {
			t.Fatalf("claims set: %d sessions, %v", n, err)
		}
		m := len(graphql.served())
		r := send(viewer, "POST", "/dev/graphql", `{"query":"{ whoami }"}`)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		cors(t, r)
		var out struct {
			Data struct{ Whoami string } `json:"data"`
		}
		if err := json.Unmarshal(r.Body, &out); err != nil || out.Data.Whoami != viewerID {
			t.Errorf("body %s (%v): want whoami %s", r.Body, err, viewerID)
		}
		s := graphql.last(t, m)
		if s.Method != "POST" || s.Path != "/graphql" || s.UserID != viewerID || s.UserRoles != "viewer" || s.SessionID == "" ||
			!strings.HasPrefix(s.CType, "application/json") {
			t.Errorf("AppSync got %+v: want POST /graphql, JSON, with the mapped x-user-id, x-user-roles and x-session-id", s)
		}
	})
	t.Run("refresh under the stage", func(t *testing.T) {
		r := send(viewer, "POST", "/dev/auth/session/refresh", "")
		if r.Status != 200 || !slices.Equal(setCookieNames(r.Header), []string{g.Access, g.Refresh}) {
			t.Fatalf("got %d %s, cookies %q", r.Status, r.Body, setCookieNames(r.Header))
		}
		cors(t, r)
	})
}
