package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/redis/go-redis/v9"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

// allow is the fixed answer of every mode: an Allow policy with the
// authorizer's fields and values of typical lengths.
var allow = []byte(`{"principalId":"runtimebench-user","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["arn:aws:execute-api:eu-west-1:123456789012:k3x9q2w7ab/prod/GET/api/reports/q3"]}]},"context":{"claims":"{\"plan\":\"pro\"}","frontToken":"","roles":"viewer","sessionId":"0123456789abcdef0123456789abcdef","setCookie":"","userId":"runtimebench-user"}}`)

// noop answers allow without reading the event.
type noop struct{}

func (noop) Invoke(context.Context, []byte) ([]byte, error) { return allow, nil }

// getThenAllow answers allow after get succeeded.
type getThenAllow struct {
	get func(context.Context) error
}

func (h getThenAllow) Invoke(ctx context.Context, _ []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, redisstore.DefaultTimeout)
	defer cancel()
	if err := h.get(ctx); err != nil {
		return nil, fmt.Errorf("reference: GET: %w", err)
	}
	return allow, nil
}

func main() {
	h, err := handler(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reference:", err)
		os.Exit(1)
	}
	lambda.Start(h)
}

// handler builds the mode RUNTIMEBENCH_REFERENCE names. Like the
// authorizer, it does no network I/O: the first invocation dials.
func handler(lookup func(string) (string, bool)) (lambda.Handler, error) {
	switch mode, _ := lookup("RUNTIMEBENCH_REFERENCE"); mode {
	case "noop":
		return noop{}, nil
	case "get":
		key, _ := lookup("RUNTIMEBENCH_GET_KEY")
		if key == "" {
			return nil, errors.New("RUNTIMEBENCH_GET_KEY is required in mode get")
		}
		rdb, err := client(lookup)
		if err != nil {
			return nil, err
		}
		return getThenAllow{get: func(ctx context.Context) error { return rdb.Get(ctx, key).Err() }}, nil
	case "floor":
		return newFloor(lookup)
	default:
		return nil, fmt.Errorf("RUNTIMEBENCH_REFERENCE %q must be noop, get or floor", mode)
	}
}

// newFloor builds mode floor: the session configuration from the
// environment as the authorizer reads it (session.ConfigFromEnv:
// SESSION_KEYS, the cookie names, the lifetimes), the Redis client as the
// store builds its own, and the record key's two parts around the session
// id (RUNTIMEBENCH_KEY_PREFIX, RUNTIMEBENCH_KEY_SUFFIX).
func newFloor(lookup func(string) (string, bool)) (*floor, error) {
	prefix, _ := lookup("RUNTIMEBENCH_KEY_PREFIX")
	suffix, _ := lookup("RUNTIMEBENCH_KEY_SUFFIX")
	if prefix == "" {
		return nil, errors.New("RUNTIMEBENCH_KEY_PREFIX is required in mode floor")
	}
	cfg, err := session.ConfigFromEnv(lookup)
	if err != nil {
		return nil, err
	}
	rdb, err := client(lookup)
	if err != nil {
		return nil, err
	}
	// The store is never called: InspectAccess only decodes.
	m, err := session.NewManager(cfg, redisstore.New(rdb, redisstore.Options{}))
	if err != nil {
		return nil, err
	}
	return &floor{
		sessions: m, cookie: cfg.AccessCookieName, keyPrefix: prefix, keySuffix: suffix,
		get: func(ctx context.Context, key string) error { return rdb.Get(ctx, key).Err() },
	}, nil
}

// client is a Redis client built as the authorizer's store builds its own
// (redisstore.ClientConfigFromEnv and redisstore.NewClient).
func client(lookup func(string) (string, bool)) (redis.UniversalClient, error) {
	cc, err := redisstore.ClientConfigFromEnv(lookup)
	if err != nil {
		return nil, err
	}
	redisstore.SilenceClientLogs()
	return redisstore.NewClient(cc)
}
