package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

// allow is the fixed answer of both modes: an Allow policy with the
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
		cc, err := redisstore.ClientConfigFromEnv(lookup)
		if err != nil {
			return nil, err
		}
		redisstore.SilenceClientLogs()
		rdb, err := redisstore.NewClient(cc)
		if err != nil {
			return nil, err
		}
		return getThenAllow{get: func(ctx context.Context) error { return rdb.Get(ctx, key).Err() }}, nil
	default:
		return nil, fmt.Errorf("RUNTIMEBENCH_REFERENCE %q must be noop or get", mode)
	}
}
