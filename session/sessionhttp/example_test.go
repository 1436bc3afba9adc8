package sessionhttp_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
)

// checkPassword stands for the application's own authentication.
func checkPassword(user, password string) bool { return user != "" && password != "" }

// An application's sign-in handler: authenticate the user yourself, then let
// SignIn (here Handler.SignIn) create the session and write both cookies and the front-token — or,
// for a client that sends st-auth-mode: header (a mobile app, the SDK in
// header mode), the st-access-token, st-refresh-token and front-token
// headers and no cookie.
// (Compile-only: it needs a Redis server; TestSignIn runs it for real.)
func ExampleSignIn() {
	cfg, err := session.ConfigFromEnv(os.LookupEnv)
	if err != nil {
		panic(err)
	}
	rcfg, err := redisstore.ClientConfigFromEnv(os.LookupEnv)
	if err != nil {
		panic(err)
	}
	rdb, err := redisstore.NewClient(rcfg)
	if err != nil {
		panic(err)
	}
	m, err := session.NewManager(cfg, redisstore.New(rdb, redisstore.Options{}))
	if err != nil {
		panic(err)
	}
	// The session API itself: refresh, sign-out and the self-service
	// routes (GET /auth/sessions, DELETE /auth/sessions/{id}, POST
	// /auth/sessions/revoke-others), with one EMF metric line per request
	// on stdout.
	api := sessionhttp.New(m, sessionhttp.Options{Metrics: os.Stdout, LogSalt: []byte(os.Getenv("LOG_SALT"))})
	http.Handle("/auth/", api)

	http.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ User, Password string }
		if json.NewDecoder(r.Body).Decode(&in) != nil || !checkPassword(in.User, in.Password) {
			http.Error(w, `{"message":"wrong user or password"}`, http.StatusUnauthorized)
			return
		}
		// api.SignIn is sessionhttp.SignIn plus the sign-in's log record
		// and metric line (SessionsEvicted when the per-user limit ended
		// sessions). The session records the summary of r's User-Agent.
		_, err := api.SignIn(w, r, session.CreateInput{UserID: in.User, Roles: []string{"reader"}})
		switch {
		case errors.Is(err, session.ErrStore):
			http.Error(w, `{"message":"try again"}`, http.StatusServiceUnavailable)
		case err != nil:
			http.Error(w, `{"message":"bad request"}`, http.StatusBadRequest)
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"OK"}`)
		}
	})
}

// The CORS policy answers a preflight from an allowed origin, and refuses
// any other origin without an Access-Control-Allow-Origin.
func ExampleCORS_Preflight() {
	cors := sessionhttp.CORS{Origins: []string{"https://app.example.com"}}
	for _, origin := range []string{"https://app.example.com", "https://evil.example"} {
		r := httptest.NewRequest(http.MethodOptions, "/auth/session/refresh", nil)
		r.Header.Set("Origin", origin)
		w := httptest.NewRecorder()
		cors.Preflight(w, r)
		fmt.Println(w.Code, w.Header().Get("Access-Control-Allow-Origin"), w.Header().Get("Access-Control-Allow-Headers"))
	}
	// Output:
	// 204 https://app.example.com rid, fdi-version, anti-csrf, authorization, st-auth-mode, content-type
	// 403
}
