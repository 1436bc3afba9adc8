package main

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/gatewayresponses"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessionhttp/lambdaproxy"
)

// exampleBackendFunction is the example API's Lambda proxy backend (GET
// /api/lambda-me), which the local gateway runs in-process: lambdaMe.
const exampleBackendFunction = "ExampleBackendFunction"

// refreshSuffix is the path of the session API's refresh route below
// API_BASE_PATH.
const refreshSuffix = "/session/refresh"

// apiFunctions are the Lambda functions a definition names.
type apiFunctions struct {
	// authorizer is the function of the authorizer (REQUEST or TOKEN);
	// "" when the definition has none.
	authorizer string
	// sessionAPI is the function of the refresh route, POST
	// <API_BASE_PATH>/session/refresh; refreshRoute is that route's path.
	sessionAPI, refreshRoute string
	// proxies are the functions of the AWS_PROXY integrations, sorted.
	proxies []string
}

// lambdaRoute is a route whose integration is a Lambda function.
type lambdaRoute struct{ method, path, function string }

// restLambdaRoutes are the AWS_PROXY routes of a REST definition.
func restLambdaRoutes(api *gatewayresponses.API) []lambdaRoute {
	var out []lambdaRoute
	for _, r := range api.Routes {
		if fn, ok := r.LambdaFunction(); ok && r.Type == gatewayresponses.AWSProxy {
			out = append(out, lambdaRoute{r.Method, r.Path, fn})
		}
	}
	return out
}

// httpLambdaRoutes are the aws_proxy routes of an HTTP API definition.
func httpLambdaRoutes(api *gatewayresponses.HTTPAPI) []lambdaRoute {
	var out []lambdaRoute
	for _, r := range api.Routes {
		if r.Integration.Type == gatewayresponses.HTTPAPILambdaProxy {
			out = append(out, lambdaRoute{r.Method, r.Path, r.Integration.Function})
		}
	}
	return out
}

// findFunctions reads the functions off a loaded definition: its
// authorizer's, and those of its Lambda routes. The session API is the
// one function of the POST routes ending in /session/refresh: render adds
// that route, and every definition the local gateway serves needs it.
func findFunctions(authorizerFn string, routes []lambdaRoute) (apiFunctions, []string) {
	f := apiFunctions{authorizer: authorizerFn}
	var refresh []string
	for _, r := range routes {
		if !slices.Contains(f.proxies, r.function) {
			f.proxies = append(f.proxies, r.function)
		}
		if r.method == "POST" && strings.HasSuffix(r.path, refreshSuffix) {
			refresh = append(refresh, r.path)
			f.sessionAPI, f.refreshRoute = r.function, r.path
		}
	}
	slices.Sort(f.proxies)
	switch len(refresh) {
	case 1:
		return f, nil
	case 0:
		return f, []string{"the API has no POST <API_BASE_PATH>" + refreshSuffix + " route to a Lambda function: " +
			"the session API's routes are missing (sessiongate render adds them)"}
	default:
		return f, []string{fmt.Sprintf("the API has several session API refresh routes (%s): the local gateway serves one session API",
			strings.Join(refresh, ", "))}
	}
}

// inProcessFunctions are the API's Lambda functions in this process, each
// through aws-lambda-go's JSON round trip: the authorizer with its own
// manager and rules, the session API with its manager, and the example
// backend. Any other function of the API has no in-process handler: the
// gateway refuses to serve it. The authorizer and the session API hash ids
// in their logs with logSalt, so that their lines correlate as deployed.
func inProcessFunctions(f apiFunctions, authz, sessionAPI *session.Manager, rules authorizer.Rules, logger *slog.Logger,
	logSalt []byte, now func() time.Time) (invoker, map[string]invoker, error) {
	lambdas := map[string]invoker{
		f.sessionAPI: lambdaFunc(lambdaproxy.Handler(sessionhttp.New(sessionAPI, sessionhttp.Options{Logger: logger, LogSalt: logSalt}))),
	}
	if slices.Contains(f.proxies, exampleBackendFunction) {
		lambdas[exampleBackendFunction] = exampleBackend()
	}
	if f.authorizer == "" {
		return nil, lambdas, nil
	}
	a, err := authorizer.New(authorizer.Config{Manager: authz, Rules: rules, Logger: logger, Metrics: io.Discard, Now: now, LogSalt: logSalt})
	if err != nil {
		return nil, nil, err
	}
	return lambdaFunc(a.Handle), lambdas, nil
}
