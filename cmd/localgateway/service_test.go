package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/deploy"
)

// withGraphQLRoute is the embedded deploy/openapi.json plus POST /graphql:
// the authorized GET /api/me operation turned into an AWS (non-proxy)
// integration of AppSync, with the same identity and cookie mappings, as
// a team writes one.
func withGraphQLRoute(t *testing.T) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(deploy.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	paths := doc["paths"].(map[string]any)
	var op map[string]any
	b, _ := json.Marshal(paths["/api/me"].(map[string]any)["get"])
	if err := json.Unmarshal(b, &op); err != nil {
		t.Fatal(err)
	}
	op["operationId"] = "postGraphql"
	in := op["x-amazon-apigateway-integration"].(map[string]any)
	in["type"] = "aws"
	in["httpMethod"] = "POST"
	in["uri"] = map[string]any{"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:${NotesGraphQL.GraphQLDns}.appsync-api:path/graphql"}
	in["credentials"] = map[string]any{"Fn::Sub": "${AppSyncInvokeRole.Arn}"}
	paths["/graphql"] = map[string]any{"post": op}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// graphQL is a stand-in AppSync: it records what it receives.
type graphQL struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
	body []string
}

func newGraphQL(t *testing.T) *graphQL {
	g := &graphQL{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		g.reqs, g.body = append(g.reqs, r), append(g.body, string(b))
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Not-Mapped", "1")
		_, _ = io.WriteString(w, `{"data":{"me":"ok"}}`)
	}))
	t.Cleanup(g.Close)
	return g
}

// -service appsync-api=URL sends the AWS integration to URL + the URI's
// path as a non-proxy HTTP integration: the identity headers mapped, the
// client's cookies not forwarded, the response mapped (only mapped headers,
// CORS). Without -service the route answers 502 and the log names the flag.
func TestServiceRouting(t *testing.T) {
	dir := apiDir(t, withGraphQLRoute(t), nil, "")
	appsync := newGraphQL(t)
	query := `{"query":"{ me }"}`

	t.Run("with -service", func(t *testing.T) {
		g := startGateway(t, map[string]string{}, time.Now, "-api", dir, "-service", "appsync-api="+appsync.URL+"/")
		c := newClient(t, g.URL)
		signIn(t, c, "gql-user", "user")
		r := c.do("POST", "/graphql", query, "rid", "x", "x-user-id", "mallory", "Origin", g.URL)
		if r.Status != 200 || string(r.Body) != `{"data":{"me":"ok"}}` {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if r.Header.Get("X-Not-Mapped") != "" || r.Header.Get("Access-Control-Allow-Origin") != g.URL {
			t.Errorf("response not mapped as a non-proxy integration: %v", r.Header)
		}
		appsync.mu.Lock()
		defer appsync.mu.Unlock()
		if len(appsync.reqs) != 1 {
			t.Fatalf("AppSync got %d requests", len(appsync.reqs))
		}
		req := appsync.reqs[0]
		if req.Method != "POST" || req.URL.Path != "/graphql" || appsync.body[0] != query {
			t.Errorf("AppSync got %s %s %q", req.Method, req.URL.Path, appsync.body[0])
		}
		if req.Header.Get("x-user-id") != "gql-user" || req.Header.Get("x-user-roles") != "user" || req.Header.Get("Cookie") != "" {
			t.Errorf("AppSync headers: x-user-id %q, x-user-roles %q, cookie sent %v",
				req.Header.Get("x-user-id"), req.Header.Get("x-user-roles"), req.Header.Get("Cookie") != "")
		}
		if r := newClient(t, g.URL).do("POST", "/graphql", query, "rid", "x"); r.Status != 401 {
			t.Errorf("without a session: %d", r.Status)
		}
	})

	t.Run("without -service", func(t *testing.T) {
		g := startGateway(t, map[string]string{}, time.Now, "-api", dir)
		if !strings.Contains(g.Stderr.String(), "POST /graphql (AWS integration of appsync-api) answers 502: give -service appsync-api=URL") {
			t.Errorf("no start-up warning naming the flag:\n%s", g.Stderr)
		}
		c := newClient(t, g.URL)
		signIn(t, c, "gql-user", "user")
		r := c.do("POST", "/graphql", query, "rid", "x")
		if r.Status != 502 || !strings.Contains(string(r.Body), "Internal server error") {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if !strings.Contains(g.Stderr.String(), "no -service appsync-api=URL given") {
			t.Errorf("the log does not name the flag:\n%s", g.Stderr)
		}
	})
}
