// Command authorizer is the sessiongate REQUEST authorizer as an AWS Lambda
// function (runtime provided.al2023, arm64 or amd64), for REST APIs (payload
// 1.0) and HTTP APIs (payload 2.0, simple responses) alike.
//
// Build:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -o bootstrap ./cmd/authorizer
//
// Configuration comes from the environment (contract §5): REDIS_URL,
// REDIS_MODE, SESSION_KEYS, SESSION_* lifetimes, COOKIE_*, API_BASE_PATH,
// STAGE_PREFIX, ALLOWED_ORIGINS, ANTI_CSRF, and for this function
// AUTHZ_RULES (route rules, JSON, see package authorizer), LOG_LEVEL (debug,
// info, warn, error; default info) and LOG_SALT (keys the hash of session
// ids in logs; default random per process). Invalid configuration stops the
// function at start with one message listing every problem, and never
// prints a key.
//
// The Redis client is built once, during the init phase, without network
// I/O: the first invocation dials. Configure the authorizer in API Gateway
// with caching off (TTL 0) and no identity sources.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

func main() {
	h, err := build(os.LookupEnv, os.Stderr, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lambda.Start(h)
}

// build reads the configuration through lookup and wires the handler. It
// performs no network I/O.
func build(lookup func(string) (string, bool), logs, metrics io.Writer) (*authorizer.Handler, error) {
	var problems []error
	cfg, err := session.ConfigFromEnv(lookup)
	if err != nil {
		problems = append(problems, err)
	}
	rc, err := redisstore.ClientConfigFromEnv(lookup)
	if err != nil {
		problems = append(problems, err)
	}
	rulesText, _ := lookup("AUTHZ_RULES")
	rules, err := authorizer.ParseRules(rulesText)
	if err != nil {
		problems = append(problems, err)
	}
	level := slog.LevelInfo
	if v, ok := lookup("LOG_LEVEL"); ok && strings.TrimSpace(v) != "" {
		if err := level.UnmarshalText([]byte(strings.TrimSpace(v))); err != nil {
			problems = append(problems, fmt.Errorf("LOG_LEVEL %q must be debug, info, warn or error", v))
		}
	}
	salt, _ := lookup("LOG_SALT")
	if len(problems) > 0 {
		return nil, fmt.Errorf("authorizer: invalid configuration:\n%w", errors.Join(problems...))
	}
	redisstore.SilenceClientLogs()
	rdb, err := redisstore.NewClient(rc)
	if err != nil {
		return nil, err
	}
	m, err := session.NewManager(cfg, redisstore.New(rdb, redisstore.Options{}))
	if err != nil {
		return nil, err
	}
	return authorizer.New(authorizer.Config{
		Manager: m, Rules: rules, Metrics: metrics, LogSalt: []byte(salt),
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level})),
	})
}
