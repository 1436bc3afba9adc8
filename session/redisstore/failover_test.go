package redisstore_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// TestClusterFailover kills a master of a 3-master cluster with one replica
// each while rotations are in flight (a worker keeps validating every
// session with a clock that makes each validation rotate), and measures
// what happens: errors are store failures only (never "no session" or
// theft), every session validates again after the failover, and rotations
// the promoted replica never received are adopted from the client's newer
// cookie (see validate.lua), so no session is lost.
//
// One answer besides a store failure is allowed, the one a browser would
// meet: "expired" for a session whose previous call was a store failure.
// The clock moves a rotation period per round whether or not the call got
// through, so a cookie kept through failed rounds can outlive the access
// TTL; and a rotation Redis applied whose reply was lost (the master killed
// between the two) leaves the cookie one generation behind, valid only for
// the grace window. The client then refreshes, as the SDK does on a 401,
// and the refresh must succeed: that is where a lost session would show.
func TestClusterFailover(t *testing.T) {
	c := sessiontest.StartCluster(t, sessiontest.ClusterOptions{Masters: 3, ReplicasPerMaster: 1})
	rdb := client(t, c.URL(), redisstore.ModeCluster)
	clock := sessiontest.NewClock()
	cfg := sessiontest.TestConfig(t)
	cfg.IdleTimeout, cfg.AbsoluteTimeout = 1000*time.Hour, 2000*time.Hour // the clock runs fast here
	m := sessiontest.NewManager(t, cfg, redisstore.New(rdb, redisstore.Options{Timeout: time.Second}), clock)
	ctx := context.Background()

	n := 60
	if os.Getenv("SESSIONGATE_FULL") == "1" { // the full-size run of BENCHMARKS.md
		n = 3000
	}
	cookies := make([]string, n)
	refresh := make([]string, n)
	for i := range cookies {
		tok, err := m.Create(ctx, session.CreateInput{UserID: sessiontest.UniqueUser("fo")})
		if err != nil {
			t.Fatal(err)
		}
		cookies[i], refresh[i] = tok.Access.Value, tok.Refresh.Value
	}
	// afterStoreFailure[i]: session i's last call was a store failure, so
	// "expired" is an answer it may get (see above).
	afterStoreFailure := make([]bool, n)
	refreshed := 0
	// renew refreshes session i as the SDK would after a 401: true when it
	// got new cookies, false on a store failure (the cookies are kept); any
	// other answer means the session was lost, and fails the test.
	renew := func(i int) bool {
		tok, err := m.Refresh(ctx, refresh[i])
		switch {
		case err == nil:
			cookies[i], refresh[i] = tok.Access.Value, tok.Refresh.Value
			refreshed++
			return true
		case errors.Is(err, session.ErrStore):
			return false
		}
		t.Errorf("session %d: refresh after an expired access token: %v (the session is lost)", i, err)
		return false
	}
	// The worker: rounds of validations, each round one rotation per
	// session; a store failure leaves the cookie as it was, as a browser's
	// jar would.
	stop := make(chan struct{})
	done := make(chan struct{})
	var rotated, inflightErrors int
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			clock.Advance(cfg.RotateAfter)
			for i, v := range cookies {
				res, err := m.Validate(ctx, v)
				switch {
				case err == nil:
					if res.SetCookie != nil {
						cookies[i] = res.SetCookie.Value
						rotated++
					}
				case errors.Is(err, session.ErrStore):
					inflightErrors++
				case errors.Is(err, session.ErrExpired) && afterStoreFailure[i]:
					if !renew(i) {
						inflightErrors++
						continue // still after a store failure
					}
				default:
					t.Errorf("session %d during failover: %v (must be a store failure or success)", i, err)
					return
				}
				if t.Failed() {
					return
				}
				afterStoreFailure[i] = err != nil && errors.Is(err, session.ErrStore)
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	c.KillMaster(0)
	failedOver := time.Since(start)
	time.Sleep(300 * time.Millisecond)
	close(stop)
	<-done
	if t.Failed() {
		return
	}

	// Measure: how many rotations did the promoted replica miss? Read each
	// session's generation straight from the cluster (retrying while it
	// settles) and compare with the cookie the client now holds.
	lost := 0
	for i, v := range cookies {
		info, err := m.InspectAccess(v)
		if err != nil {
			t.Fatal(err)
		}
		var ag uint64
		for end := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			ag, err = redisstore.AccessGenOf(ctx, rdb, info.SessionID)
			if err == nil || time.Now().After(end) {
				break
			}
			rdb.(*redis.ClusterClient).ReloadState(ctx)
		}
		if err != nil {
			t.Fatalf("session %d: reading generation after failover: %v", i, err)
		}
		if ag < info.Generation {
			lost++
		}
	}
	storeErrors := 0
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; i < n; i++ {
		for {
			_, err := m.Validate(ctx, cookies[i])
			if err == nil {
				break
			}
			switch {
			case errors.Is(err, session.ErrExpired) && afterStoreFailure[i]:
				if renew(i) {
					afterStoreFailure[i] = false
					continue
				}
				if t.Failed() {
					t.FailNow()
				}
			case !errors.Is(err, session.ErrStore):
				t.Fatalf("session %d after failover: %v (must be a store failure or success)", i, err)
			default:
				afterStoreFailure[i] = true
			}
			storeErrors++
			if time.Now().After(deadline) {
				t.Fatalf("session %d still failing after 30s: %v", i, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("failover: %d sessions, %d rotations in flight around the kill (%d store errors meanwhile), %d sessions whose newest rotation the promoted replica lacked (adopted from the cookie), %d refreshed after a store failure left their access token expired, failover took %s, %d store errors while re-validating, 0 sessions lost",
		n, rotated, inflightErrors, lost, refreshed, failedOver.Round(time.Millisecond), storeErrors)
}

// TestLostWriteIsAdopted models what asynchronous replication can do in a
// failover: the promoted replica lacks the last rotation and the last
// refresh. The client's newer cookies (which only we could have issued) are
// adopted instead of logging the user out, and the refresh is not theft.
func TestLostWriteIsAdopted(t *testing.T) {
	f := newFixture(t, redisstore.Options{})
	rdb, clock, cfg, m := f.rdb, f.clock, f.cfg, f.m
	ctx := context.Background()
	tok, err := m.Create(ctx, session.CreateInput{UserID: "replica-lag"})
	if err != nil {
		t.Fatal(err)
	}
	key := redisstore.SessionKey(tok.SessionID)
	before, err := rdb.Get(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	nt, err := m.Refresh(ctx, tok.Refresh.Value) // rg 2, ag 2
	if err != nil {
		t.Fatal(err)
	}
	// The "failover": the session goes back to its state before the refresh.
	if err := rdb.Set(ctx, key, before, redis.KeepTTL).Err(); err != nil {
		t.Fatal(err)
	}
	v, err := m.Validate(ctx, nt.Access.Value)
	if err != nil {
		t.Fatalf("newer access generation after a lost write: %v", err)
	}
	// The cookie may be issued again (the adopted generation's issue time
	// is the adoption's), but with the same generation: adopting is not
	// rotating.
	if v.SetCookie != nil {
		if i, _ := m.InspectAccess(v.SetCookie.Value); i.Generation != 2 {
			t.Fatalf("adopting generation 2 issued generation %d", i.Generation)
		}
	}
	if g, err := redisstore.AccessGenOf(ctx, rdb, tok.SessionID); err != nil || g != 2 {
		t.Fatalf("stored generation after the adoption: %d %v, want 2", g, err)
	}
	if err := rdb.Set(ctx, key, before, redis.KeepTTL).Err(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(cfg.Grace * 4)
	r3, err := m.Refresh(ctx, nt.Refresh.Value)
	if err != nil {
		t.Fatalf("newer refresh generation after a lost write: %v", err)
	}
	if i, _ := m.InspectRefresh(r3.Refresh.Value); i.Generation != 3 {
		t.Fatalf("refresh generation %d, want 3", i.Generation)
	}
}
