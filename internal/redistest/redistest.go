// Package redistest gives a test a session store on a real redis-server
// in one call: the client, its clean-up and the store. It is for tests
// outside session/redisstore (whose own tests import sessiontest, which
// therefore cannot offer this), so that no test wires the client itself.
package redistest

import (
	"testing"

	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// Store returns a Redis store with options o on srv, a standalone server
// from sessiontest.StartServer. Its client is closed when tb ends.
func Store(tb testing.TB, srv *sessiontest.Server, o redisstore.Options) *redisstore.Store {
	tb.Helper()
	rdb, err := redisstore.NewClient(redisstore.ClientConfig{URL: srv.URL(), Mode: redisstore.ModeStandalone})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = rdb.Close() })
	return redisstore.New(rdb, o)
}
