package authorizer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// TestSlowStoreAnswersWithinDeadline makes Redis slow in the two ways an
// operator sees it — every client paused (CLIENT PAUSE, as during a
// failover) and the server busy in one long command (DEBUG SLEEP) — and
// checks that the authorizer answers with a store failure (500, cookies
// untouched) instead of hanging until the Lambda times out, even though
// the invocation's own deadline is far away. The bound checked is the
// slowness itself (8s), not a performance figure.
func TestSlowStoreAnswersWithinDeadline(t *testing.T) {
	e := newEnv(t, envOptions{redisArgs: []string{"--enable-debug-command", "local"}})
	tok := e.signIn(sessiontest.UniqueUser("slow"), nil, nil)
	event := restEvent(t, ev{headers: map[string]string{"Cookie": cookieHeader(tok.Access)}})
	const slowFor = 8 * time.Second
	slowdowns := map[string]func() error{
		"CLIENT PAUSE": func() error { _, err := e.srv.Do("CLIENT", "PAUSE", "8000", "ALL"); return err },
		"DEBUG SLEEP": func() error {
			go e.srv.Do("DEBUG", "SLEEP", "8")
			time.Sleep(100 * time.Millisecond)
			return nil
		},
	}
	for _, name := range []string{"CLIENT PAUSE", "DEBUG SLEEP"} {
		t.Run(name, func(t *testing.T) {
			if r := e.waitAllow(event); r.err != nil {
				t.Fatalf("not healthy before the slowdown: %v", r.err)
			}
			if err := slowdowns[name](); err != nil {
				t.Fatal(err)
			}
			// A Lambda-like context: the function's deadline is 25s away.
			ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
			defer cancel()
			start := time.Now()
			out, err := e.inv.Invoke(ctx, event)
			took := time.Since(start)
			if !errors.Is(err, authorizer.ErrStoreUnavailable) || out != nil {
				t.Fatalf("want a store failure (500) and no response, got %v %s", err, out)
			}
			if took >= slowFor {
				t.Fatalf("the authorizer waited %s, as long as Redis was slow", took)
			}
			t.Logf("%s: store failure after %s (Redis slow for %s)", name, took.Round(time.Millisecond), slowFor)
			e.srv.Do("CLIENT", "UNPAUSE")
			if r := e.waitAllow(event); r.err != nil {
				t.Fatalf("after the slowdown: %v", r.err)
			}
		})
	}
}
