package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"time"
)

// durationFlags are the flags that override a duration variable of the
// configuration; each defaults to the variable's value.
var durationFlags = []struct{ flag, env, usage string }{
	{"access-ttl", "SESSION_ACCESS_TTL", "access token validity"},
	{"rotate-after", "SESSION_ROTATE_AFTER", "rotate the access token in place after this age"},
	{"grace", "SESSION_GRACE", "how long a rotated-out token is still honoured"},
	{"idle-timeout", "SESSION_IDLE_TIMEOUT", "end a session unused for this long"},
}

// param is one -param Name=Value, in the order given.
type param struct{ name, value string }

// settings are the parsed flags and the environment values they override.
type settings struct {
	addr string
	// lambdaEndpoint is the Lambda Invoke API endpoint (-lambda-endpoint,
	// LAMBDA_ENDPOINT) without a trailing slash; "" invokes the functions
	// in-process.
	lambdaEndpoint string
	// apiDir is -api: the directory render wrote to; "" serves the
	// embedded deploy/ files.
	apiDir string
	// stage is -stage without slashes; "" serves the API at the root.
	stage string
	// template is -template; "" means DIR/template.yaml when it exists,
	// or the embedded deploy/template.yaml without -api.
	template string
	// params are the -param values; services the -service URLs by name,
	// without a trailing slash.
	params   []param
	services map[string]string
	httpAPI  bool
	// env holds the variables a flag sets (the duration flags); they take
	// precedence over the environment and the template.
	env map[string]string
	// insecureDemoSignIn serves the demo sign-in on an address other than
	// loopback (-insecure-demo-signin, INSECURE_DEMO_SIGNIN).
	insecureDemoSignIn bool
	// readTimeout and readHeaderTimeout bound reading a request
	// (-read-timeout, -read-header-timeout; see server.go).
	readTimeout, readHeaderTimeout time.Duration
}

// paramGiven reports the value of -param name, if given.
func (s settings) paramGiven(name string) (string, bool) {
	for _, p := range s.params {
		if p.name == name {
			return p.value, true
		}
	}
	return "", false
}

// Valid spellings of the names the flags take.
var (
	// stageName: API Gateway stage names are letters, digits, - and _.
	stageName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	// paramName: CloudFormation parameter names are alphanumeric.
	paramName = regexp.MustCompile(`^[A-Za-z0-9]{1,255}$`)
	// serviceName: the AWS service of an integration URI (appsync-api,
	// s3, states, ...).
	serviceName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
)

// repeated is a flag.Value that collects every occurrence.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// parseFlags reads args; the environment (through lookup) gives the
// defaults of -lambda-endpoint and the duration flags. A syntax error of
// the flag package itself is returned as err; every other problem is
// collected in problems so that start-up can report them together with
// the configuration's.
func parseFlags(args []string, lookup func(string) (string, bool), stderr io.Writer) (s settings, problems []string, err error) {
	s = settings{env: map[string]string{}, services: map[string]string{}}
	fs := flag.NewFlagSet("localgateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: localgateway [flags]\n\n"+
			"Serves an API that `sessiongate render` wrote (default: the embedded deploy/ files) on one\n"+
			"machine, as API Gateway would: the authorizer and the session API in-process (or, with\n"+
			"-lambda-endpoint, every Lambda function through the Lambda Invoke API), an echo HTTP backend,\n"+
			"the browser example at /, and the demo route POST <stage>/auth/demo/signin (on a loopback\n"+
			"address only, unless -insecure-demo-signin). The functions'\n"+
			"configuration comes from the SAM template (-template), with local overrides from the\n"+
			"environment and the flags; without a template, from the environment.\n\nflags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&s.addr, "addr", DefaultAddr, "listen address (host:port)")
	endpoint, _ := lookup("LAMBDA_ENDPOINT")
	fs.StringVar(&s.lambdaEndpoint, "lambda-endpoint", endpoint,
		"invoke every Lambda function through the Lambda Invoke API at this URL (sam local start-lambda,\n"+
			"the runtime interface emulator) instead of in-process; overrides LAMBDA_ENDPOINT")
	fs.StringVar(&s.apiDir, "api", "", "serve what sessiongate render wrote to this `DIR` (openapi.json, rules.json,\n"+
		"httpapi-openapi.json, template.yaml); default: the embedded deploy/ files")
	fs.StringVar(&s.stage, "stage", "", "serve every route under /`NAME`, as on an execute-api URL; default: at the root")
	fs.StringVar(&s.template, "template", "", "the SAM template `FILE` whose functions' environment the local run uses;\n"+
		"default: DIR/template.yaml when it exists, the embedded deploy/template.yaml without -api")
	var params, services repeated
	fs.Var(&params, "param", "set a template parameter: `Name=Value` (repeatable)")
	fs.Var(&services, "service", "send AWS (non-proxy) integrations of the service NAME (as in the integration URI,\n"+
		"e.g. appsync-api) to this base URL: `NAME=URL` (repeatable)")
	fs.BoolVar(&s.httpAPI, "http-api", false, "serve httpapi-openapi.json with HTTP API semantics instead of openapi.json")
	demoEnv, demoEnvOK := lookup(envInsecureDemoSignIn)
	demoDefault, demoProblem := false, ""
	if v := strings.TrimSpace(demoEnv); demoEnvOK && v != "" {
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			demoDefault = true
		case "false", "0", "no":
		default:
			demoProblem = fmt.Sprintf("%s: %q must be true or false", envInsecureDemoSignIn, v)
		}
	}
	fs.BoolVar(&s.insecureDemoSignIn, "insecure-demo-signin", demoDefault,
		"serve the demo sign-in (anyone signs in as anyone) even when -addr is not a loopback address;\n"+
			"overrides "+envInsecureDemoSignIn)
	fs.DurationVar(&s.readTimeout, "read-timeout", defaultReadTimeout,
		"bound on reading a whole request, headers and body: a body that has not arrived by then is answered 408")
	fs.DurationVar(&s.readHeaderTimeout, "read-header-timeout", defaultReadHeaderTimeout, "bound on reading a request's headers")
	durs := map[string]*string{}
	for _, d := range durationFlags {
		def, _ := lookup(d.env)
		durs[d.flag] = fs.String(d.flag, def, fmt.Sprintf("%s (Go duration; overrides %s)", d.usage, d.env))
	}
	if err := fs.Parse(args); err != nil {
		return s, nil, err
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	endpointSource, demoFlagGiven := "LAMBDA_ENDPOINT", false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "lambda-endpoint":
			endpointSource = "-lambda-endpoint"
		case "insecure-demo-signin":
			demoFlagGiven = true
		}
		for _, d := range durationFlags {
			if d.flag != f.Name {
				continue
			}
			v := strings.TrimSpace(*durs[d.flag])
			if _, err := time.ParseDuration(v); err != nil {
				problems = append(problems, fmt.Sprintf("-%s: %q is not a Go duration (like 15m or 30s)", d.flag, v))
				return
			}
			s.env[d.env] = v
		}
	})
	if demoProblem != "" && !demoFlagGiven {
		problems = append(problems, demoProblem)
	}
	if s.readTimeout <= 0 || s.readHeaderTimeout <= 0 {
		problems = append(problems, fmt.Sprintf("-read-timeout (%s) and -read-header-timeout (%s) must be > 0", s.readTimeout, s.readHeaderTimeout))
	} else if s.readHeaderTimeout > s.readTimeout {
		problems = append(problems, fmt.Sprintf("-read-header-timeout (%s) must be <= -read-timeout (%s)", s.readHeaderTimeout, s.readTimeout))
	}
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
	if s.stage != "" && !stageName.MatchString(s.stage) {
		problems = append(problems, fmt.Sprintf("-stage: %q is not a stage name (letters, digits, - and _; no slash: -stage prod serves /prod/...)", s.stage))
	}
	seen := map[string]bool{}
	for _, p := range params {
		name, value, ok := strings.Cut(p, "=")
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("-param %q: want Name=Value", p))
		case !paramName.MatchString(name):
			problems = append(problems, fmt.Sprintf("-param %q: %q is not a parameter name (letters and digits)", p, name))
		case seen[name]:
			problems = append(problems, fmt.Sprintf("-param %s is given more than once", name))
		default:
			seen[name] = true
			s.params = append(s.params, param{name, value})
		}
	}
	for _, sv := range services {
		name, raw, ok := strings.Cut(sv, "=")
		if !ok || !serviceName.MatchString(name) {
			problems = append(problems, fmt.Sprintf("-service %q: want NAME=URL, NAME being the service of the integration URI (like appsync-api)", sv))
			continue
		}
		if _, dup := s.services[name]; dup {
			problems = append(problems, fmt.Sprintf("-service %s is given more than once", name))
			continue
		}
		u, bad := parseServiceURL(raw)
		for _, p := range bad {
			problems = append(problems, fmt.Sprintf("-service %s: %s", name, p))
		}
		s.services[name] = u
	}
	return s, problems, nil
}

// parseServiceURL checks a -service URL (see parseBaseURL).
func parseServiceURL(raw string) (string, []string) {
	return parseBaseURL(raw, "http://127.0.0.1:4000")
}
