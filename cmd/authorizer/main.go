package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/internal/logid"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

func main() {
	h, err := build(os.LookupEnv, executableDir(), os.Stderr, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lambda.Start(h)
}

// executableDir is the directory of the running binary, where build.sh puts
// rules.json (in Lambda, /var/task), or "" when it cannot be found.
func executableDir() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return filepath.Dir(exe)
}

// build reads the configuration through lookup, and the route rules as
// loadRules says (exeDir is where the default rules.json lives), and wires
// the handler. It performs no network I/O.
func build(lookup func(string) (string, bool), exeDir string, logs, metrics io.Writer) (*authorizer.Handler, error) {
	var problems []error
	cfg, err := session.ConfigFromEnv(lookup)
	if err != nil {
		problems = append(problems, err)
	}
	rc, err := redisstore.ClientConfigFromEnv(lookup)
	if err != nil {
		problems = append(problems, err)
	}
	rules, rulesFrom, err := loadRules(lookup, exeDir)
	if err != nil {
		problems = append(problems, err)
	}
	level := slog.LevelInfo
	if v, ok := lookup("LOG_LEVEL"); ok && strings.TrimSpace(v) != "" {
		if err := level.UnmarshalText([]byte(strings.TrimSpace(v))); err != nil {
			problems = append(problems, fmt.Errorf("LOG_LEVEL %q must be debug, info, warn or error", v))
		}
	}
	salt, _ := lookup(logid.EnvSalt)
	if len(problems) > 0 {
		return nil, fmt.Errorf("authorizer: invalid configuration:\n%w", errors.Join(problems...))
	}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))
	redisstore.SilenceClientLogs()
	rdb, err := redisstore.NewClient(rc)
	if err != nil {
		return nil, err
	}
	m, err := session.NewManager(cfg, redisstore.New(rdb, redisstore.Options{}))
	if err != nil {
		return nil, err
	}
	h, err := authorizer.New(authorizer.Config{
		Manager: m, Rules: rules, Metrics: metrics, LogSalt: []byte(salt), Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	logger.Info("route rules loaded", "source", rulesFrom, "rules", rules.Len())
	return h, nil
}
