package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sessiongate/sessiongate/internal/logid"
	"github.com/sessiongate/sessiongate/internal/samtemplate"
	"github.com/sessiongate/sessiongate/session"
)

// Template parameters the local gateway can give a value itself when the
// template declares them without a default.
const (
	paramAllowedOrigin = "AllowedOrigin"  // the gateway's own origin
	paramEchoBackend   = "EchoBackendUrl" // the built-in echo backend
)

// configVariables are the variables the authorizer and the session API
// read (README.md, "Configuration"). The gateway's own environment
// overrides each of them, and any other variable a function's template
// environment names.
var configVariables = []string{
	"REDIS_URL", "REDIS_MODE", "SESSION_KEYS",
	"SESSION_ACCESS_TTL", "SESSION_ROTATE_AFTER", "SESSION_GRACE", "SESSION_IDLE_TIMEOUT", "SESSION_ABSOLUTE_TIMEOUT",
	"SESSION_MAX_PER_USER", "SESSION_REAUTH_WINDOW",
	"COOKIE_SECURE", "COOKIE_SAMESITE", "COOKIE_DOMAIN", "ACCESS_COOKIE_NAME", "REFRESH_COOKIE_NAME",
	"API_BASE_PATH", "STAGE_PREFIX",
	"ALLOWED_ORIGINS", "ANTI_CSRF", "AUTHZ_RULES", "AUTHZ_RULES_FILE",
	session.SwitchInsecureCookies, session.SwitchCrossSiteWithoutCSRF, session.SwitchHTTPOrigins, session.SwitchUnprefixedCookieNames,
	logid.EnvSalt,
}

// localVariables name what every function shares locally, so that a
// template's values never apply: the session store (REDIS_URL in the
// gateway's environment, or the embedded one) and the log salt (LOG_SALT in
// the gateway's environment, or one drawn for the run: the deployed
// template's is a secret only the stack has).
var localVariables = []string{"REDIS_URL", "REDIS_MODE", logid.EnvSalt}

// templateParams returns the value of every parameter the template
// declares — given with -param, else its default, else the local value
// in local (the gateway's origin, the echo backend) — and the problems: a
// -param the template does not declare, a parameter with no value at all
// (CloudFormation wants one for each). The parameters' constraints
// (AllowedValues, AllowedPattern, ...) are checked by the template's
// evaluator, as CloudFormation checks them.
func templateParams(t *samtemplate.Template, given []param, local map[string]string) (map[string]string, []string) {
	var problems []string
	declared := map[string]samtemplate.Parameter{}
	for _, p := range t.Parameters() {
		declared[p.Name] = p
	}
	out := map[string]string{}
	for _, g := range given {
		if _, ok := declared[g.name]; !ok {
			problems = append(problems, fmt.Sprintf("-param %s: the template declares no parameter %s (it has: %s)",
				g.name, g.name, strings.Join(slices.Sorted(maps.Keys(declared)), ", ")))
			continue
		}
		out[g.name] = g.value
	}
	for _, name := range slices.Sorted(maps.Keys(declared)) {
		p := declared[name]
		if _, ok := out[name]; ok {
			continue
		}
		switch {
		case p.HasDefault:
			out[name] = p.Default
		case local[name] != "":
			out[name] = local[name]
		default:
			problems = append(problems, fmt.Sprintf("template parameter %s has no default: give it with -param %s=VALUE", name, name))
		}
	}
	return out, problems
}

// localOverrides are the variables the local run sets in every in-process
// function's environment, whatever the template says ("" removes one):
//
//   - each of names set (non-blank) in the gateway's own environment, and
//     the variables a flag sets (-access-ttl, ...);
//   - SESSION_KEYS: keys (the gateway's, or ephemeral ones) when the
//     environment has none;
//   - ALLOWED_ORIGINS: origins (the gateway's own) unless the environment
//     sets it or -param AllowedOrigin names the origin (then the template's
//     value stands; without a template, that origin);
//   - with a template, REDIS_URL, REDIS_MODE and LOG_SALT (localVariables):
//     the store and the log salt are the gateway's.
func localOverrides(names []string, lookup func(string) (string, bool), s settings, keys, origins string, withTemplate bool) map[string]string {
	ov := map[string]string{}
	for _, n := range names {
		if v, ok := lookup(n); ok && strings.TrimSpace(v) != "" {
			ov[n] = v
		}
	}
	for k, v := range s.env {
		ov[k] = v
	}
	if _, ok := ov["SESSION_KEYS"]; !ok {
		ov["SESSION_KEYS"] = keys
	}
	if _, ok := ov["ALLOWED_ORIGINS"]; !ok {
		if o, given := s.paramGiven(paramAllowedOrigin); !given {
			ov["ALLOWED_ORIGINS"] = origins
		} else if !withTemplate {
			ov["ALLOWED_ORIGINS"] = o
		}
	}
	if withTemplate {
		for _, n := range localVariables {
			if _, ok := ov[n]; !ok {
				ov[n] = ""
			}
		}
	}
	return ov
}

// templateFunctionEnvs evaluates the environment of each function ids
// names from the template with params, applies the local overrides and
// returns the environments, the names of the variables the overrides set
// or removed in at least one of them, and the problems: a function the
// template lacks, a variable that cannot be evaluated locally (it refers
// to a resource only AWS creates) and that no override replaces.
func templateFunctionEnvs(t *samtemplate.Template, ids []string, params map[string]string, lookup func(string) (string, bool),
	s settings, keys, origins string) (map[string]map[string]string, []string, []string) {
	var problems []string
	envs := map[string]map[string]string{}
	unresolved := map[string][]string{}
	names := slices.Clone(configVariables)
	for _, id := range ids {
		if !slices.Contains(t.Functions(), id) {
			problems = append(problems, fmt.Sprintf("the template has no function %s (it has: %s)", id, strings.Join(t.Functions(), ", ")))
			continue
		}
		env, unres, err := t.FunctionEnv(id, params)
		if err != nil {
			problems = append(problems, leafErrors(err)...)
			continue
		}
		if env == nil {
			env = map[string]string{}
		}
		envs[id], unresolved[id] = env, unres
		for n := range env {
			names = append(names, n)
		}
		names = append(names, unres...)
	}
	ov := localOverrides(names, lookup, s, keys, origins, true)
	changed := map[string]bool{}
	for _, id := range ids {
		env, ok := envs[id]
		if !ok {
			continue
		}
		for k, v := range ov {
			_, had := env[k]
			if v == "" {
				delete(env, k)
			} else {
				env[k] = v
			}
			if had || v != "" {
				changed[k] = true
			}
		}
		for _, n := range unresolved[id] {
			if _, ok := ov[n]; !ok {
				problems = append(problems, fmt.Sprintf("%s: %s cannot be evaluated locally (it refers to something only a deployment has): set %s in the gateway's environment",
					id, n, n))
			} else if ov[n] == "" {
				changed[n] = true
			}
		}
	}
	return envs, slices.Sorted(maps.Keys(changed)), problems
}

// envLookup is a lookup function over a function's environment.
func envLookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// overlay looks names up in ov first ("" there means unset), then in
// lookup: the environment of a function when there is no template.
func overlay(ov map[string]string, lookup func(string) (string, bool)) func(string) (string, bool) {
	return func(k string) (string, bool) {
		if v, ok := ov[k]; ok {
			return v, v != ""
		}
		return lookup(k)
	}
}

// leafErrors returns the texts of the problems err joins with
// errors.Join, one each, so that a problem that evaluating two functions
// both report (a parameter value, say) can be reported once. An error that
// wraps several others with a text of its own (fmt.Errorf with two %w) is
// one problem: only a join's text is exactly its parts' texts, one a line.
func leafErrors(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		parts := j.Unwrap()
		texts := make([]string, 0, len(parts))
		for _, e := range parts {
			if e != nil {
				texts = append(texts, e.Error())
			}
		}
		if err.Error() == strings.Join(texts, "\n") {
			var out []string
			for _, e := range parts {
				if e != nil {
					out = append(out, leafErrors(e)...)
				}
			}
			return out
		}
	}
	return []string{err.Error()}
}
