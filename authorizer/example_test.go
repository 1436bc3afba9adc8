package authorizer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

// Wiring the authorizer, as cmd/authorizer does, and the 401 a request
// without a session gets. Nothing here touches the network: the Redis client
// dials on the first store call, and a request without a cookie needs none.
func ExampleNew() {
	keys, _ := session.GenerateKeys(nil)
	env := map[string]string{"SESSION_KEYS": keys, "REDIS_URL": "redis://127.0.0.1:6379"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	cfg, _ := session.ConfigFromEnv(lookup)
	rc, _ := redisstore.ClientConfigFromEnv(lookup)
	rdb, _ := redisstore.NewClient(rc)
	m, _ := session.NewManager(cfg, redisstore.New(rdb, redisstore.Options{}))
	rules, _ := authorizer.ParseRules(`[{"method":"*","path":"/api/admin/**","roles":["admin"]}]`)
	h, err := authorizer.New(authorizer.Config{Manager: m, Rules: rules,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Metrics: io.Discard})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a main: lambda.Start(h). Here: the same JSON round trip.
	event := `{"type":"REQUEST","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/api/me",` +
		`"path":"/api/me","httpMethod":"GET","headers":{"Cookie":"theme=dark"}}`
	_, err = lambda.NewHandler(h).Invoke(context.Background(), []byte(event))
	fmt.Println(err, err.Error() == authorizer.Unauthorized)
	// Output: Unauthorized true
}

func ExampleParseMethodARN() {
	arn, err := authorizer.ParseMethodARN("arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/prod/POST/api/items/7")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(arn.Partition, arn.Region, arn.AccountID, arn.APIID, arn.Stage, arn.Method, arn.Resource)
	p, _ := json.Marshal(authorizer.NewPolicy(authorizer.Deny, arn))
	fmt.Println(string(p))

	_, err = authorizer.ParseMethodARN("arn:aws:execute-api:eu-west-1:42:abc/prod/GET/x")
	fmt.Println(err)
	// Output:
	// aws-cn cn-north-1 123456789012 abc123 prod POST api/items/7
	// {"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Deny","Resource":["arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/prod/POST/api/items/7"]}]}
	// authorizer: malformed method ARN: account id is not 12 digits
}

func ExampleParseRules() {
	rules, err := authorizer.ParseRules(`[
	  {"method":"*",   "path":"/api/admin/**",  "roles":["admin"]},
	  {"method":"GET", "path":"/api/reports/*", "claims":{"plan":["pro","team"]}}
	]`)
	if err != nil {
		fmt.Println(err)
		return
	}
	errs := rules.Check("GET", "/api/reports/q3", []string{"viewer"}, json.RawMessage(`{"plan":"free"}`))
	b, _ := json.Marshal(errs)
	fmt.Println(string(b))
	fmt.Println(len(rules.Check("GET", "/api/reports/q3", nil, json.RawMessage(`{"plan":["team"]}`))))

	// A misspelt member ("role") is refused; the message, encoding/json/v2's,
	// names it and the rule ("/0").
	_, err = authorizer.ParseRules(`[{"method":"get","path":"api/**/x","role":["admin"]}]`)
	fmt.Println(errors.Is(err, authorizer.ErrInvalidRules), strings.Contains(err.Error(), `"role" within "/0"`))
	_, err = authorizer.ParseRules(`[{"method":"get","path":"api/**/x","roles":["admin"]}]`)
	fmt.Println(err)
	// Output:
	// [{"id":"plan","reason":{"message":"wrong value","expectedToBeOneOf":["pro","team"],"actualValue":"free"}}]
	// 0
	// true true
	// authorizer: invalid AUTHZ_RULES:
	// rule 0: method "get" is not "*" or an upper-case HTTP method
	// rule 0: path "api/**/x" must start with "/"
}

func ExampleAppendCookieValues() {
	// Two copies of the access cookie (one tossed from a sibling domain):
	// both are kept, in order, and the session engine's rule decides
	// (session.Manager.ValidateAny).
	vals := authorizer.AppendCookieValues(nil, `theme=dark; __Host-sAccessToken=tossed; garbage; __Host-sAccessToken="good"`,
		"__Host-sAccessToken")
	fmt.Println(vals)
	// Output: [tossed good]
}
