package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sessiongate/sessiongate/gatewayresponses"
)

// awsTarget is where an AWS (non-proxy) integration URI points:
//
//	arn:<partition>:apigateway:<region>:[<subdomain>.]<service>:path/<path>
//	arn:<partition>:apigateway:<region>:[<subdomain>.]<service>:action/<action>
//
// for example arn:aws:apigateway:us-east-1:abc123.appsync-api:path/graphql
// is service appsync-api, path /graphql.
type awsTarget struct {
	service string
	path    string // "/graphql"; "" for the action form
	action  string // the action form's action
}

// parseAWSURI reads an AWS integration URI; ok is false when it does not
// have the shape above.
func parseAWSURI(uri string) (awsTarget, bool) {
	parts := strings.SplitN(uri, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "apigateway" {
		return awsTarget{}, false
	}
	host := parts[4]
	svc := host[strings.LastIndexByte(host, '.')+1:]
	if !serviceName.MatchString(svc) {
		return awsTarget{}, false
	}
	if p, ok := strings.CutPrefix(parts[5], "path/"); ok {
		return awsTarget{service: svc, path: "/" + p}, true
	}
	if a, ok := strings.CutPrefix(parts[5], "action/"); ok && a != "" {
		return awsTarget{service: svc, action: a}, true
	}
	return awsTarget{}, false
}

// serviceTargets resolves each AWS integration of api against the
// -service URLs: the URL to send each route to (the service's URL + the
// URI's path), keyed by route. A route whose service has no -service is
// not in the map: it answers 502. The problems: a URI of another shape, an
// action-form URI (no path to send it to) whose service is given, a
// -service that no route uses.
func serviceTargets(api *gatewayresponses.API, services map[string]string) (map[*gatewayresponses.Route]string, []string) {
	var problems []string
	targets := map[*gatewayresponses.Route]string{}
	used := map[string]bool{}
	for i := range api.Routes {
		r := &api.Routes[i]
		if r.Type != gatewayresponses.AWS {
			continue
		}
		where := r.Method + " " + r.Path
		t, ok := parseAWSURI(r.URI)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: AWS integration URI %q is not arn:<partition>:apigateway:<region>:<service>:path/<path>", where, r.URI))
			continue
		}
		used[t.service] = true
		base, given := services[t.service]
		switch {
		case !given:
		case t.path == "":
			problems = append(problems, fmt.Sprintf("-service %s: %s calls the action %s, which has no path to send to %s", t.service, where, t.action, base))
		default:
			targets[r] = base + t.path
		}
	}
	for _, name := range slices.Sorted(maps.Keys(services)) {
		if !used[name] {
			have := "none"
			if len(used) > 0 {
				have = strings.Join(slices.Sorted(maps.Keys(used)), ", ")
			}
			problems = append(problems, fmt.Sprintf("-service %s: no AWS integration of the API names the service %s (they name: %s)", name, name, have))
		}
	}
	return targets, problems
}
