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

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/deploy"
	"github.com/sessiongate/sessiongate/gatewayresponses"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessionhttp/lambdaproxy"
)

// errConfig wraps every start-up problem of the local gateway itself.
var errConfig = errors.New("localgateway: invalid configuration")

// DefaultAddr is where the local gateway listens unless -addr says otherwise.
const DefaultAddr = "127.0.0.1:8080"

// DefaultAuthzRules is the route rule set used when AUTHZ_RULES is unset:
// /api/admin needs the role admin, as contract §6 describes the example API.
const DefaultAuthzRules = `[{"method":"*","path":"/api/admin","roles":["admin"]}]`

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
		fmt.Fprintln(os.Stderr, "localgateway:", err)
		os.Exit(1)
	}
}

// run is main without the process: it reads flags from args and the
// environment through lookup, serves until ctx ends, then shuts down
// gracefully.
func run(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) error {
	return runWith(ctx, args, lookup, stdout, stderr, time.Now)
}

// durationFlags are the flags that override a duration variable of
// contract §5; each defaults to the variable's value.
var durationFlags = []struct{ flag, env, usage string }{
	{"access-ttl", "SESSION_ACCESS_TTL", "access token validity"},
	{"rotate-after", "SESSION_ROTATE_AFTER", "rotate the access token in place after this age"},
	{"grace", "SESSION_GRACE", "how long a rotated-out token is still honoured"},
	{"idle-timeout", "SESSION_IDLE_TIMEOUT", "end a session unused for this long"},
}

// settings are the parsed flags and the environment they override.
type settings struct {
	addr string
	// lambdaEndpoint is the Lambda Invoke API endpoint (-lambda-endpoint,
	// LAMBDA_ENDPOINT) without a trailing slash; "" invokes the functions
	// in-process.
	lambdaEndpoint string
	env            map[string]string // values that take precedence over lookup
}

func parseFlags(args []string, lookup func(string) (string, bool), stderr io.Writer) (settings, error) {
	s := settings{env: map[string]string{}}
	fs := flag.NewFlagSet("localgateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: localgateway [flags]\n\n"+
			"Serves deploy/openapi.json on one machine: the authorizer and the session API\n"+
			"in-process (or, with -lambda-endpoint, every Lambda function through the Lambda\n"+
			"Invoke API), an echo HTTP backend, the browser example at /, and the demo route\n"+
			"POST /auth/demo/signin. Every variable of the contract (REDIS_URL, SESSION_KEYS,\n"+
			"SESSION_*, COOKIE_*, ALLOWED_ORIGINS, ANTI_CSRF, AUTHZ_RULES) is read from the\n"+
			"environment; a flag overrides its variable.\n\nflags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&s.addr, "addr", DefaultAddr, "listen address (host:port)")
	endpoint, _ := lookup("LAMBDA_ENDPOINT")
	fs.StringVar(&s.lambdaEndpoint, "lambda-endpoint", endpoint,
		"invoke every Lambda function through the Lambda Invoke API at this URL (sam local start-lambda,\n"+
			"the runtime interface emulator) instead of in-process; overrides LAMBDA_ENDPOINT")
	durs := map[string]*string{}
	for _, d := range durationFlags {
		def, _ := lookup(d.env)
		durs[d.flag] = fs.String(d.flag, def, fmt.Sprintf("%s (Go duration; overrides %s)", d.usage, d.env))
	}
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("%w: unexpected arguments %q", errConfig, fs.Args())
	}
	var problems []string
	endpointSource := "LAMBDA_ENDPOINT"
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "lambda-endpoint" {
			endpointSource = "-lambda-endpoint"
		}
		for _, d := range durationFlags {
			if d.flag != f.Name {
				continue
			}
			v := strings.TrimSpace(*durs[d.flag])
			if _, err := time.ParseDuration(v); err != nil {
				problems = append(problems, fmt.Sprintf("-%s: %q is not a Go duration (like 15m or 30s)", d.flag, v))
			}
			s.env[d.env] = v
		}
	})
	if _, _, err := net.SplitHostPort(s.addr); err != nil {
		problems = append(problems, fmt.Sprintf("-addr: %q is not host:port", s.addr))
	}
	if s.lambdaEndpoint = strings.TrimSpace(s.lambdaEndpoint); s.lambdaEndpoint != "" {
		var bad []string
		s.lambdaEndpoint, bad = parseLambdaEndpoint(s.lambdaEndpoint)
		for _, p := range bad {
			problems = append(problems, endpointSource+": "+p)
		}
	}
	if len(problems) > 0 {
		return s, fmt.Errorf("%w:\n  - %s", errConfig, strings.Join(problems, "\n  - "))
	}
	return s, nil
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

// runWith is run with an injected clock (tests move it instead of sleeping).
func runWith(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer, now func() time.Time) error {
	s, err := parseFlags(args, lookup, stderr)
	if err != nil {
		return err
	}
	env := func(k string) (string, bool) {
		if v, ok := s.env[k]; ok {
			return v, true
		}
		return lookup(k)
	}
	set := func(k string) bool { v, ok := env(k); return ok && strings.TrimSpace(v) != "" }

	if !set("SESSION_KEYS") {
		keys, err := session.GenerateKeys(nil)
		if err != nil {
			return err
		}
		s.env["SESSION_KEYS"] = keys
		fmt.Fprintln(stderr, "localgateway: warning: SESSION_KEYS is not set: using ephemeral keys; cookies stop working when the process exits")
	}

	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("localgateway: listen: %w", err)
	}
	defer ln.Close()
	if !set("ALLOWED_ORIGINS") {
		s.env["ALLOWED_ORIGINS"] = defaultOrigins(ln.Addr())
	}

	cfg, err := session.ConfigFromEnv(env)
	var problems []error
	if err != nil {
		problems = append(problems, err)
	}
	if err == nil && len(cfg.AllowedOrigins) == 0 {
		problems = append(problems, fmt.Errorf("%w: ALLOWED_ORIGINS lists no origin", errConfig))
	}
	if cfg.StagePrefix != "" {
		problems = append(problems, fmt.Errorf("%w: STAGE_PREFIX must be empty: the local gateway serves the API at the root", errConfig))
	}
	rulesText, ok := env("AUTHZ_RULES")
	if !ok {
		rulesText = DefaultAuthzRules
	}
	rules, err := authorizer.ParseRules(rulesText)
	if err != nil {
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}

	store, err := openStore(env, stderr)
	if err != nil {
		return err
	}
	defer store.close()
	m, err := session.NewManager(cfg, store.store, session.WithClock(now))
	if err != nil {
		return err
	}

	echoURL, echoSrv, err := startEcho()
	if err != nil {
		return fmt.Errorf("localgateway: echo backend: %w", err)
	}
	defer echoSrv.Close()

	api, err := gatewayresponses.Load(deploy.OpenAPI, gatewayresponses.LocalVars(cfg.AllowedOrigins[0], echoURL))
	if err != nil {
		return fmt.Errorf("localgateway: deploy/openapi.json: %w", err)
	}
	if _, err := api.Match(http.MethodPost, cfg.APIBasePath+"/session/refresh"); err != nil {
		return fmt.Errorf("%w: API_BASE_PATH %s: deploy/openapi.json has no route POST %s/session/refresh", errConfig, cfg.APIBasePath, cfg.APIBasePath)
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))
	quiet := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	shOpts := sessionhttp.Options{Logger: quiet}
	demo := sessionhttp.DemoSignInHandler(m, shOpts)
	demoPath := cfg.APIBasePath + "/demo/signin"
	var authz invoker
	var lambdas map[string]invoker
	if s.lambdaEndpoint != "" {
		remote := newInvokeAPI(s.lambdaEndpoint)
		defer remote.client.CloseIdleConnections()
		authz, lambdas = remote.functions()
		fmt.Fprintf(stderr, "localgateway: invoking the Lambda functions %s, %s and %s through the Lambda Invoke API at %s; "+
			"they bring their own configuration, and this gateway's REDIS_URL and SESSION_KEYS serve only POST %s (give it the functions' values)\n",
			gatewayresponses.FunctionAuthorizer, gatewayresponses.FunctionSessionAPI, gatewayresponses.FunctionBackend,
			s.lambdaEndpoint, demoPath)
	} else if authz, lambdas, err = inProcessFunctions(m, rules, quiet, now); err != nil {
		return err
	}
	static, err := staticHandler()
	if err != nil {
		return err
	}
	g, err := newGateway(gatewayConfig{
		API:        api,
		Authorizer: authz,
		Lambdas:    lambdas,
		Local:      map[string]http.Handler{"POST " + demoPath: demo, "OPTIONS " + demoPath: demo},
		Static:     static,
		Log:        logger,
		Now:        now,
	})
	if err != nil {
		return err
	}

	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
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

// inProcessFunctions are the API's Lambda functions in this process: the
// authorizer, the session API and the example backend, each through
// aws-lambda-go's JSON round trip.
func inProcessFunctions(m *session.Manager, rules authorizer.Rules, logger *slog.Logger, now func() time.Time) (invoker, map[string]invoker, error) {
	authz, err := authorizer.New(authorizer.Config{Manager: m, Rules: rules, Logger: logger, Metrics: io.Discard, Now: now})
	if err != nil {
		return nil, nil, err
	}
	backend, err := exampleBackend()
	if err != nil {
		return nil, nil, err
	}
	return lambdaFunc(authz.Handle), map[string]invoker{
		gatewayresponses.FunctionSessionAPI: lambdaFunc(lambdaproxy.Handler(sessionhttp.New(m, sessionhttp.Options{Logger: logger}))),
		gatewayresponses.FunctionBackend:    backend,
	}, nil
}
