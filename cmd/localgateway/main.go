package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
)

// errConfig wraps every start-up problem of the local gateway itself.
var errConfig = errors.New("localgateway: invalid configuration")

// DefaultAddr is where the local gateway listens unless -addr says otherwise.
const DefaultAddr = "127.0.0.1:8080"

// shutdownTimeout bounds the graceful shutdown.
const shutdownTimeout = 10 * time.Second

func main() {
	redisstore.SilenceClientLogs()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "localgateway:") {
			msg = "localgateway: " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(1)
	}
}

// run is main without the process: it reads flags from args and the
// environment through lookup, serves until ctx ends, then shuts down
// gracefully.
func run(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) error {
	return runWith(ctx, args, lookup, stdout, stderr, time.Now)
}

// defaultOrigins are the browser origins of the gateway itself: its own
// address, and its localhost and 127.0.0.1 spellings when it listens on a
// loopback or wildcard address. The first is the one origin the gateway
// responses allow (see gatewayresponses, "Allowed origin").
func defaultOrigins(ln net.Addr) string {
	host, port, _ := net.SplitHostPort(ln.String())
	ip := net.ParseIP(host)
	if ip == nil || !(ip.IsLoopback() || ip.IsUnspecified()) {
		return "http://" + ln.String()
	}
	first := "127.0.0.1"
	if ip.To4() == nil && !ip.IsUnspecified() {
		first = "[::1]"
	}
	return "http://" + first + ":" + port + ",http://localhost:" + port
}

// firstOrigin is the first origin of a comma-separated list.
func firstOrigin(list string) string {
	first, _, _ := strings.Cut(list, ",")
	return strings.TrimSuffix(strings.TrimSpace(first), "/")
}

// isSet reports whether lookup has a non-blank value for k.
func isSet(lookup func(string) (string, bool), k string) bool {
	v, ok := lookup(k)
	return ok && strings.TrimSpace(v) != ""
}

// runWith is run with an injected clock (tests move it instead of
// sleeping). It derives and checks the whole configuration first (see
// configure) and reports every problem together; only then does it open
// the store and serve.
func runWith(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer, now func() time.Time) error {
	s, flagProblems, err := parseFlags(args, lookup, stderr)
	if err != nil {
		return err
	}
	var problems problemList
	problems.add(flagProblems...)
	src, errs := loadSource(s)
	for _, err := range errs {
		problems.addErr("", err)
	}

	// The gateway's own origin is a default of the configuration, so it
	// listens first (with a bad -addr, already a problem, validation goes
	// on with a stand-in origin).
	var ln net.Listener
	origins := defaultOrigins(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080})
	if _, _, err := net.SplitHostPort(s.addr); err == nil {
		if ln, err = net.Listen("tcp", s.addr); err != nil {
			return fmt.Errorf("localgateway: listen: %w", err)
		}
		defer ln.Close()
		origins = defaultOrigins(ln.Addr())
	}
	echoURL, echoSrv, err := startEcho()
	if err != nil {
		return fmt.Errorf("localgateway: echo backend: %w", err)
	}
	defer echoSrv.Close()
	keys, keysGenerated := "", false
	if !isSet(lookup, "SESSION_KEYS") {
		if keys, err = session.GenerateKeys(nil); err != nil {
			return err
		}
		keysGenerated = true
	}

	st := configure(s, src, lookup, origins, echoURL, keys, &problems)
	if err := problems.err(); err != nil {
		return err
	}
	st.announce(s, src, keysGenerated, stderr)
	prefix := ""
	if s.stage != "" {
		prefix = "/" + s.stage
	}
	demoDecision := decideDemoSignIn(ln.Addr(), s.insecureDemoSignIn, prefix+st.demoPath)
	fmt.Fprintln(stderr, "localgateway: "+demoDecision.line)
	fmt.Fprintln(stderr, "localgateway: "+insecureSwitchesLine(st, demoDecision))

	store, err := openStore(st.store, stderr)
	if err != nil {
		return err
	}
	defer store.close()
	managers := map[string]*session.Manager{}
	for id, cfg := range st.configs {
		if managers[id], err = session.NewManager(cfg, store.store, session.WithClock(now)); err != nil {
			return fmt.Errorf("localgateway: %s: %w", id, err)
		}
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))
	quiet := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f := st.functions
	var authz invoker
	var lambdas map[string]invoker
	if s.lambdaEndpoint != "" {
		remote := newInvokeAPI(s.lambdaEndpoint)
		defer remote.client.CloseIdleConnections()
		authz, lambdas = remote.functions(f)
		fmt.Fprintf(stderr, "localgateway: invoking the Lambda functions %s through the Lambda Invoke API at %s; "+
			"they bring their own configuration, and the demo sign-in POST %s runs here with %s's configuration from this gateway "+
			"(give it the functions' REDIS_URL and SESSION_KEYS)\n",
			strings.Join(append([]string{f.authorizer}, f.proxies...), ", "), s.lambdaEndpoint, st.demoPath, f.sessionAPI)
	} else if authz, lambdas, err = inProcessFunctions(f, managers[f.authorizer], managers[f.sessionAPI], st.rules, quiet, st.logSalt, now); err != nil {
		return err
	}
	static, err := staticHandler()
	if err != nil {
		return err
	}
	// The local gateway's own routes: the example's configuration outside
	// the stage, the demo sign-in within it (plain net/http: the handler
	// takes the prefix of its refresh cookie's Path from the URL, as the
	// session API takes it from its event) when decideDemoSignIn allows it.
	sessionAPI := st.configs[f.sessionAPI] // the zero Config when there is no session API
	cfgHandler := exampleConfig(exampleSettings{APIPrefix: prefix,
		AccessCookieName: sessionAPI.AccessCookieName, RefreshCookieName: sessionAPI.RefreshCookieName})
	demo := demoSignInOff()
	if demoDecision.on {
		demo = sessionhttp.DemoSignInHandler(managers[f.sessionAPI], sessionhttp.Options{Logger: quiet, LogSalt: st.logSalt})
	}
	local := map[string]http.Handler{
		"GET " + exampleConfigPath: cfgHandler, "HEAD " + exampleConfigPath: cfgHandler,
		"POST " + prefix + st.demoPath: demo, "OPTIONS " + prefix + st.demoPath: demo,
	}
	addStoreStats(local, store.store)
	var g http.Handler
	if st.httpAPI != nil {
		g, err = newHTTPAPIGateway(httpAPIConfig{API: st.httpAPI, Stage: s.stage, Authorizer: authz, Lambdas: lambdas,
			Local: local, Static: static, Log: logger, Now: now})
	} else {
		g, err = newGateway(gatewayConfig{API: st.api, Stage: s.stage, Authorizer: authz, Lambdas: lambdas,
			Services: st.services, Local: local, Static: static, Log: logger, Now: now})
	}
	if err != nil {
		return err
	}

	srv := newServer(g, s, logger)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "localgateway: listening on http://%s\n", ln.Addr())

	select {
	case err := <-serveErr:
		return fmt.Errorf("localgateway: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("localgateway: shutdown: %w", err)
	}
	return nil
}
