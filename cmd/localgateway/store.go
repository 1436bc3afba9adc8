package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

// storeHandle is the session store with whatever must be closed at exit.
type storeHandle struct {
	store session.Store
	close func()
}

// storePoolSize: the gateway serves many requests at once, unlike a Lambda
// (whose client keeps redisstore's small default pool).
const storePoolSize = 32

// storeConfig reads the gateway's store from its environment: the client
// configuration of REDIS_URL (REDIS_MODE), or nil for the embedded store
// when REDIS_URL is not set.
func storeConfig(lookup func(string) (string, bool)) (*redisstore.ClientConfig, error) {
	if v, ok := lookup("REDIS_URL"); ok && v != "" {
		cc, err := redisstore.ClientConfigFromEnv(lookup)
		if err != nil {
			return nil, err
		}
		cc.PoolSize = storePoolSize
		return &cc, nil
	}
	if v, ok := lookup("REDIS_MODE"); ok && v != "" && v != redisstore.ModeStandalone {
		return nil, fmt.Errorf("%w: REDIS_MODE=%s needs REDIS_URL", errConfig, v)
	}
	return nil, nil
}

// openStore connects to the Redis of cc; with a nil cc it starts the
// embedded Redis-compatible server on a loopback port and warns once on
// stderr. Both go through session/redisstore over a real TCP connection,
// so the Lua scripts and commands are the deployed ones.
func openStore(cc *redisstore.ClientConfig, stderr io.Writer) (*storeHandle, error) {
	if cc != nil {
		rdb, err := redisstore.NewClient(*cc)
		if err != nil {
			return nil, err
		}
		return &storeHandle{store: redisstore.New(rdb, redisstore.Options{}), close: func() { _ = rdb.Close() }}, nil
	}
	emb, err := startEmbedded()
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(stderr, "localgateway: warning: REDIS_URL is not set: using an embedded in-memory Redis-compatible store (miniredis); sessions end when the process exits")
	rdb, err := redisstore.NewClient(redisstore.ClientConfig{URL: "redis://" + emb.mr.Addr(), Mode: redisstore.ModeStandalone, PoolSize: storePoolSize})
	if err != nil {
		emb.Close()
		return nil, err
	}
	return &storeHandle{store: redisstore.New(rdb, redisstore.Options{}), close: func() {
		_ = rdb.Close()
		emb.Close()
	}}, nil
}

// embedded is a miniredis server whose key TTLs follow the wall clock.
// miniredis expires keys only when told to (FastForward), so a ticker
// advances it by the real time elapsed, once a second.
type embedded struct {
	mr   *miniredis.Miniredis
	stop context.CancelFunc
	done sync.WaitGroup
}

func startEmbedded() (*embedded, error) {
	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("localgateway: embedded store: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &embedded{mr: mr, stop: cancel}
	e.done.Add(1)
	go func() {
		defer e.done.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				mr.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	return e, nil
}

// Close stops the ticker and the server.
func (e *embedded) Close() {
	e.stop()
	e.done.Wait()
	e.mr.Close()
}
