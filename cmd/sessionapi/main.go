// Command sessionapi is the session API Lambda (proxy integration): POST
// <API_BASE_PATH>/session/refresh, POST <API_BASE_PATH>/signout, and the
// self-service routes GET <API_BASE_PATH>/sessions, DELETE
// <API_BASE_PATH>/sessions/{id} and POST
// <API_BASE_PATH>/sessions/revoke-others, for REST API (payload 1.0) and
// HTTP API (payload 2.0) events alike — the payload version is read from
// each event (package lambdaproxy).
//
// Configuration is the environment the README lists: REDIS_URL,
// REDIS_MODE, SESSION_KEYS (required), the SESSION_* lifetimes, COOKIE_*,
// API_BASE_PATH, STAGE_PREFIX, ALLOWED_ORIGINS and ANTI_CSRF. It is read and
// validated once at start-up; an invalid configuration exits with one
// message listing every problem, before the first event. The Redis client
// is built at start-up too, without network I/O: the first request dials.
//
// The refresh cookie's Path is derived from each event: the prefix the
// browser sees in front of the API's own paths (the stage on an
// execute-api URL, a custom domain's base-path mapping, or nothing at a
// custom domain's root) + API_BASE_PATH + "/session/refresh" — see
// packages lambdaproxy and sessionhttp. STAGE_PREFIX is only an explicit
// override of that prefix; leave it unset.
//
// Logs are JSON on stderr (CloudWatch), one record per request with the
// allow-listed fields of package sessionhttp. LOG_LEVEL=debug also logs
// routine refresh probes that carry no cookie. A token theft is logged at
// warn with the session and user ids as salted hashes: LOG_SALT keys them
// (give the authorizer the same value to correlate its lines), else a
// random salt per process (package internal/logid).
//
// Metrics are CloudWatch Embedded Metric Format lines on stdout, one per
// request: namespace sessiongate, metric Requests by Route and Outcome,
// and SessionsEvicted on a sign-in that hit SESSION_MAX_PER_USER (see
// sessionhttp.MetricRequests).
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sessiongate/sessiongate/internal/logid"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessionhttp/lambdaproxy"
)

func main() {
	redisstore.SilenceClientLogs()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel(os.LookupEnv)}))
	h, err := build(os.LookupEnv, logger, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sessionapi:", err)
		os.Exit(1)
	}
	lambda.Start(lambdaproxy.Handler(h))
}

// build reads the configuration through lookup and returns the handler,
// which writes its logs to logger and its metric lines to metrics. Every
// configuration problem is reported together.
func build(lookup func(string) (string, bool), logger *slog.Logger, metrics io.Writer) (http.Handler, error) {
	cfg, cerr := session.ConfigFromEnv(lookup)
	rcfg, rerr := redisstore.ClientConfigFromEnv(lookup)
	if err := errors.Join(cerr, rerr); err != nil {
		return nil, err
	}
	rdb, err := redisstore.NewClient(rcfg)
	if err != nil {
		return nil, err
	}
	m, err := session.NewManager(cfg, redisstore.New(rdb, redisstore.Options{}))
	if err != nil {
		return nil, err
	}
	salt, _ := lookup(logid.EnvSalt)
	return sessionhttp.New(m, sessionhttp.Options{Logger: logger, Metrics: metrics, LogSalt: []byte(salt)}), nil
}

func logLevel(lookup func(string) (string, bool)) slog.Level {
	if v, _ := lookup("LOG_LEVEL"); strings.EqualFold(strings.TrimSpace(v), "debug") {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}
