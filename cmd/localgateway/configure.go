package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/gatewayresponses"
	"github.com/sessiongate/sessiongate/internal/logid"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

// problemList collects start-up problems; each is reported once.
type problemList struct {
	list []string
	seen map[string]bool
}

func (p *problemList) add(texts ...string) {
	for _, t := range texts {
		if p.seen == nil {
			p.seen = map[string]bool{}
		}
		if !p.seen[t] {
			p.seen[t] = true
			p.list = append(p.list, t)
		}
	}
}

// addErr adds each problem err joins, with prefix in front.
func (p *problemList) addErr(prefix string, err error) {
	for _, t := range leafErrors(err) {
		p.add(prefix + strings.TrimPrefix(t, errConfig.Error()+": "))
	}
}

// err is every problem in one error wrapping errConfig, or nil.
func (p *problemList) err() error {
	if len(p.list) == 0 {
		return nil
	}
	lines := make([]string, len(p.list))
	for i, t := range p.list {
		lines[i] = strings.ReplaceAll(t, "\n", "\n    ")
	}
	return fmt.Errorf("%w:\n  - %s", errConfig, strings.Join(lines, "\n  - "))
}

// startup is everything the gateway needs to serve, derived and checked
// before anything is started.
type startup struct {
	// api is the REST definition; httpAPI the HTTP API one (-http-api).
	api       *gatewayresponses.API
	httpAPI   *gatewayresponses.HTTPAPI
	functions apiFunctions
	// configs are the session configurations of the in-process functions
	// by logical id (the authorizer's, the session API's), each from its
	// own environment.
	configs map[string]session.Config
	// rules are the in-process authorizer's route rules, rulesFrom where
	// they come from.
	rules     authorizer.Rules
	rulesFrom string
	services  map[*gatewayresponses.Route]string
	store     *redisstore.ClientConfig // nil: the embedded store
	// overridden names the variables set locally instead of from the
	// template (nil without a template).
	overridden []string
	// logSalt keys the hashes of ids in the in-process functions' logs:
	// LOG_SALT of their environment (the gateway's; localVariables), else
	// drawn for this run. One salt for all, as the deployed template
	// gives both functions one.
	logSalt []byte
	// demoPath is the demo sign-in's route within the stage:
	// <API_BASE_PATH>/demo/signin of the session API.
	demoPath string
	// warnings are printed at start-up; they do not stop it.
	warnings []string
}

// configure derives the configuration from the inputs: the template's
// parameters, the definition (its ${...} resolved), the functions it
// names, each in-process function's environment and session
// configuration, the authorizer's rules, the demo route and the -service
// targets. origins are the gateway's own origins, echoURL the built-in
// backend, keys the SESSION_KEYS to use when the environment has none.
// Every problem goes into problems; the startup is usable only when there
// are none.
func configure(s settings, src apiSource, lookup func(string) (string, bool), origins, echoURL, keys string, problems *problemList) *startup {
	st := &startup{configs: map[string]session.Config{}}
	gatewayOrigin := firstOrigin(origins)
	if v, ok := lookup("ALLOWED_ORIGINS"); ok && strings.TrimSpace(v) != "" {
		gatewayOrigin = firstOrigin(v)
	}

	// The parameters: the template's, else the -param values; the local
	// AllowedOrigin and EchoBackendUrl where nothing else gives them.
	local := map[string]string{paramAllowedOrigin: gatewayOrigin, paramEchoBackend: echoURL}
	var params map[string]string
	if src.template != nil {
		var ps []string
		params, ps = templateParams(src.template, s.params, local)
		problems.add(ps...)
		if len(ps) == 0 {
			st.warnings = append(st.warnings, deployedAPIWarning(src, params)...)
		}
	} else {
		params = local
		for _, p := range s.params {
			params[p.name] = p.value
		}
	}

	// The definition.
	if src.definition.ok {
		vars := definitionVars(src.definition.data, params)
		var ps []string
		if s.httpAPI {
			api, err := gatewayresponses.LoadHTTPAPI(src.definition.data, vars)
			if err != nil {
				problems.addErr(src.definition.name+": ", err)
			} else {
				st.httpAPI = api
				st.functions, ps = findFunctions(api.Authorizer, httpLambdaRoutes(api))
			}
		} else {
			api, err := gatewayresponses.Load(src.definition.data, vars)
			if err != nil {
				problems.addErr(src.definition.name+": ", err)
			} else {
				st.api = api
				st.functions, ps = findFunctions(api.Authorizer, restLambdaRoutes(api))
			}
		}
		problems.add(ps...)
	}
	f := st.functions

	// Each in-process function's environment. With -lambda-endpoint only
	// the session API's is needed: the demo sign-in runs here with it.
	var ids []string
	if s.lambdaEndpoint == "" && f.authorizer != "" {
		ids = append(ids, f.authorizer)
	}
	if f.sessionAPI != "" && !slices.Contains(ids, f.sessionAPI) {
		ids = append(ids, f.sessionAPI)
	}
	envs := map[string]func(string) (string, bool){}
	label := func(id string) string { return id + ": " }
	if src.template != nil {
		tenv, changed, ps := templateFunctionEnvs(src.template, ids, params, lookup, s, keys, origins)
		problems.add(ps...)
		for id, env := range tenv {
			envs[id] = envLookup(env)
		}
		st.overridden = changed
	} else {
		env := overlay(localOverrides(configVariables, lookup, s, keys, origins, false), lookup)
		for _, id := range ids {
			envs[id] = env
		}
		label = func(string) string { return "" } // one environment for all
	}
	// A problem several functions share (a variable the gateway's
	// environment sets for all) is reported once, naming them all.
	var texts []string
	whose := map[string][]string{}
	for _, id := range ids {
		env, ok := envs[id]
		if !ok {
			continue
		}
		cfg, err := session.ConfigFromEnv(env)
		var found []string
		if err != nil {
			found = leafErrors(err)
		} else if len(cfg.AllowedOrigins) == 0 {
			found = []string{"ALLOWED_ORIGINS lists no origin"}
		} else {
			st.configs[id] = cfg
		}
		for _, t := range found {
			if whose[t] == nil {
				texts = append(texts, t)
			}
			whose[t] = append(whose[t], id)
		}
	}
	for _, t := range texts {
		problems.add(label(strings.Join(whose[t], ", ")) + t)
	}
	for _, id := range ids {
		if env, ok := envs[id]; ok {
			if v, _ := env(logid.EnvSalt); v != "" && st.logSalt == nil {
				st.logSalt = []byte(v)
			}
		}
	}
	if st.logSalt == nil {
		st.logSalt = make([]byte, 32)
		_, _ = rand.Read(st.logSalt) // never fails (crypto/rand)
	}
	if cfg, ok := st.configs[f.sessionAPI]; ok {
		if cfg.APIBasePath+refreshSuffix != f.refreshRoute {
			problems.add(fmt.Sprintf("%sAPI_BASE_PATH %s: the API's refresh route is POST %s, not POST %s%s",
				label(f.sessionAPI), cfg.APIBasePath, f.refreshRoute, cfg.APIBasePath, refreshSuffix))
		} else {
			st.demoPath = cfg.APIBasePath + "/demo/signin"
			if route := st.definedAt(st.demoPath); route != "" {
				problems.add(fmt.Sprintf("the API defines %s, where the local gateway serves its demo sign-in POST %s", route, st.demoPath))
			}
		}
	}

	// The authorizer's rules: its package's rules.json unless its
	// environment overrides them.
	if env, ok := envs[f.authorizer]; ok && s.lambdaEndpoint == "" {
		rules, from, err := authorizerRules(env, src.rules)
		if err != nil {
			problems.addErr(label(f.authorizer), err)
		}
		st.rules, st.rulesFrom = rules, from
	}

	switch {
	case st.api != nil:
		var ps []string
		st.services, ps = serviceTargets(st.api, s.services)
		problems.add(ps...)
	case s.httpAPI && len(s.services) > 0:
		problems.add("-service: the HTTP API variant has no AWS service integrations (render leaves those routes out of it)")
	}
	cc, err := storeConfig(lookup)
	if err != nil {
		problems.addErr("", err)
	}
	st.store = cc
	return st
}

// deployedAPIWarning says when the template, with these parameters,
// deploys no API from the definition the gateway serves (the name of
// src.definition): -http-api without the parameter that makes the template
// deploy its HTTP API, say. A template without APIs says nothing.
func deployedAPIWarning(src apiSource, params map[string]string) []string {
	if len(src.template.APIs()) == 0 {
		return nil
	}
	apis, err := src.template.APIsFor(params)
	if err != nil {
		return []string{fmt.Sprintf("%s: cannot tell which APIs it deploys: %v", src.templateName, err)}
	}
	served := path.Base(strings.TrimSuffix(strings.TrimSuffix(src.definition.name, " (embedded)"), "/"))
	var deployed []string
	for _, a := range apis {
		if path.Base(filepath.ToSlash(a.DefinitionLocation)) == served {
			return nil
		}
		deployed = append(deployed, fmt.Sprintf("%s from %q", a.LogicalID, a.DefinitionLocation))
	}
	if len(deployed) == 0 {
		deployed = []string{"none"}
	}
	return []string{fmt.Sprintf("with these parameters, %s deploys no API from %s (it deploys: %s); a -param may choose it",
		src.templateName, served, strings.Join(deployed, ", "))}
}

// definedAt names the route of the definition at path (POST or OPTIONS;
// not an HTTP API's $default route), or "".
func (st *startup) definedAt(path string) string {
	for _, m := range []string{"POST", "OPTIONS"} {
		if st.api != nil {
			if r, err := st.api.Match(m, path); err == nil {
				return r.Method + " " + r.Path
			}
		}
		if st.httpAPI != nil {
			if r, err := st.httpAPI.Match(m, path); err == nil && r.Route.Path != "" {
				return r.Route.Key
			}
		}
	}
	return ""
}

// announce prints what the configuration derived, one line each, on
// stderr: never a value, only names and sources.
func (st *startup) announce(s settings, src apiSource, keysGenerated bool, stderr io.Writer) {
	where := "at the root"
	if s.stage != "" {
		where = "under /" + s.stage + " (stage " + s.stage + ")"
	}
	if s.httpAPI {
		where += " with HTTP API semantics"
	}
	fmt.Fprintf(stderr, "localgateway: serving %s %s\n", src.definition.name, where)
	if src.template != nil {
		names := "none"
		if len(st.overridden) > 0 {
			names = strings.Join(st.overridden, ", ")
		}
		fmt.Fprintf(stderr, "localgateway: the functions' environment comes from %s; set locally instead: %s\n", src.templateName, names)
	}
	for _, w := range st.warnings {
		fmt.Fprintln(stderr, "localgateway: warning: "+w)
	}
	if keysGenerated {
		fmt.Fprintln(stderr, "localgateway: warning: SESSION_KEYS is not set: using ephemeral keys; cookies stop working when the process exits")
	}
	switch {
	case st.api != nil && st.api.AuthorizerType == gatewayresponses.TokenAuthorizer:
		fmt.Fprintf(stderr, "localgateway: the authorizer is a TOKEN authorizer on the %s header: a request without it gets 401 before the authorizer runs\n",
			st.api.TokenHeader)
	case st.httpAPI != nil && len(st.httpAPI.IdentityHeaders) > 0:
		fmt.Fprintf(stderr, "localgateway: the authorizer's identity source is the %s header: a request without it gets 401 before the authorizer runs\n",
			strings.Join(st.httpAPI.IdentityHeaders, ", "))
	}
	if st.rulesFrom != "" {
		n := fmt.Sprintf("%d route rules", st.rules.Len())
		if st.rules.Len() == 1 {
			n = "1 route rule"
		}
		fmt.Fprintf(stderr, "localgateway: the authorizer enforces %s from %s\n", n, st.rulesFrom)
	}
	if st.api == nil {
		return
	}
	for i := range st.api.Routes {
		r := &st.api.Routes[i]
		if r.Type != gatewayresponses.AWS {
			continue
		}
		if _, ok := st.services[r]; !ok {
			t, _ := parseAWSURI(r.URI)
			fmt.Fprintf(stderr, "localgateway: warning: %s %s (AWS integration of %s) answers 502: give -service %s=URL to send it somewhere\n",
				r.Method, r.Path, t.service, t.service)
		}
	}
}
