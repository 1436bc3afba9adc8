package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// commandLog records the commands a client sends, one entry per command
// (a retry of a lost answer is the same entry): the round trips of a call.
type commandLog struct {
	mu    sync.Mutex
	names []string
}

func (l *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }
func (l *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		l.mu.Lock()
		l.names = append(l.names, cmd.Name())
		l.mu.Unlock()
		return next(ctx, cmd)
	}
}
func (l *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		l.mu.Lock()
		l.names = append(l.names, "pipeline")
		l.mu.Unlock()
		return next(ctx, cmds)
	}
}

// take returns the commands sent since the last take.
func (l *commandLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.names
	l.names = nil
	return out
}

// newRecord is a Record of a new session of uid, as the Manager makes it.
func newRecord(cfg session.Config, uid string, n int, now time.Time, limit int) session.Record {
	return session.Record{ID: session.UserTag(uid) + fmt.Sprintf("%024x", n), UserID: uid, Claims: []byte("{}"),
		CreatedAt: now, AbsoluteEnd: now.Add(cfg.AbsoluteTimeout), IdleTimeout: cfg.IdleTimeout, MaxPerUser: limit}
}

// TestUserCallsOneRoundTrip: each call about a user's sessions is one
// command — one EVALSHA of its script on the user's slot (Create,
// RevokeUser, ListUser, SetClaims), one GET that writes nothing (Info),
// one DEL (Revoke) — counted at the client (a hook) and, for what Redis
// ran, in INFO commandstats.
func TestUserCallsOneRoundTrip(t *testing.T) {
	f := newFixture(t, redisstore.Options{})
	ctx := context.Background()
	log := &commandLog{}
	f.rdb.AddHook(log)
	st := f.store
	uid := "one-trip"
	now := f.clock.Now()
	var recs []session.Record
	for i := 0; i < 4; i++ {
		recs = append(recs, newRecord(f.cfg, uid, i, now.Add(time.Duration(i)*time.Millisecond), 3))
	}
	// Load the scripts (a first EVALSHA answered NOSCRIPT is followed by
	// EVAL): not what is counted.
	for _, r := range recs[:3] {
		if _, err := st.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, call := range []func() error{
		func() error { _, err := st.ListUser(ctx, uid, now); return err },
		func() error { _, err := st.SetClaims(ctx, uid, nil, []byte("{}")); return err },
		func() error { _, err := st.RevokeUser(ctx, "nobody", ""); return err },
	} {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	log.take()

	step := func(name string, want []string, writes bool, call func() error) {
		t.Helper()
		if _, err := f.srv.Do("CONFIG", "RESETSTAT"); err != nil {
			t.Fatal(err)
		}
		if err := call(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := log.take(); !slices.Equal(got, want) {
			t.Fatalf("%s sent %v, want %v", name, got, want)
		}
		calls := commandCalls(t, f.srv)
		wrote := false
		for c := range calls {
			switch c {
			case "get", "mget", "zrange", "evalsha", "info", "config|resetstat":
			default:
				wrote = true
			}
		}
		if wrote != writes {
			t.Fatalf("%s: Redis ran %v: writes %v, want %v", name, calls, wrote, writes)
		}
	}
	var evicted []string
	step("Create past the limit", []string{"evalsha"}, true, func() (err error) {
		evicted, err = st.Create(ctx, recs[3])
		return err
	})
	if !slices.Equal(evicted, []string{recs[0].ID}) {
		t.Fatalf("evicted %v, want %v", evicted, recs[0].ID)
	}
	step("Info", []string{"get"}, false, func() error {
		in, err := st.Info(ctx, recs[3].ID, now.Add(time.Second))
		if err == nil && in.UserID != uid {
			err = fmt.Errorf("info %+v", in)
		}
		return err
	})
	step("Info of a timed-out session", []string{"get"}, false, func() error {
		_, err := st.Info(ctx, recs[3].ID, now.Add(f.cfg.AbsoluteTimeout+time.Second))
		if !errors.Is(err, session.ErrUnknown) {
			return fmt.Errorf("got %v, want ErrUnknown", err)
		}
		return nil
	})
	step("ListUser", []string{"evalsha"}, false, func() error {
		l, err := st.ListUser(ctx, uid, now.Add(time.Second))
		if err == nil && len(l) != 3 {
			err = fmt.Errorf("listed %d", len(l))
		}
		return err
	})
	step("SetClaims", []string{"evalsha"}, true, func() error {
		n, err := st.SetClaims(ctx, uid, []string{"x"}, []byte("{}"))
		if err == nil && n != 3 {
			err = fmt.Errorf("updated %d", n)
		}
		return err
	})
	step("Revoke", []string{"del"}, true, func() error {
		ok, err := st.Revoke(ctx, recs[1].ID)
		if err == nil && !ok {
			err = errors.New("not revoked")
		}
		return err
	})
	step("RevokeUser", []string{"evalsha"}, true, func() error {
		n, err := st.RevokeUser(ctx, uid, "")
		if err == nil && n != 2 {
			err = fmt.Errorf("revoked %d", n)
		}
		return err
	})
}

// TestUserKeysShareOneSlot asks a cluster where a user's keys live: the
// index and every session of a user hash to one slot (so the user's
// scripts may reach the sessions they did not declare), and users spread
// over the masters. The user's calls then work for users on every master,
// which is what the contract's rows on the cluster rely on.
func TestUserKeysShareOneSlot(t *testing.T) {
	c := sessiontest.StartCluster(t, sessiontest.ClusterOptions{Masters: 3})
	rdb := client(t, c.URL(), redisstore.ModeCluster)
	cc := rdb.(*redis.ClusterClient)
	ctx := context.Background()
	st := redisstore.New(rdb, redisstore.Options{})
	cfg := sessiontest.TestConfig(t)
	now := time.Now().Truncate(time.Millisecond)
	masters := map[string]bool{}
	for u := 0; u < 24; u++ {
		uid := fmt.Sprintf("slot-user-%d", u)
		slot, err := cc.ClusterKeySlot(ctx, redisstore.UserKey(uid)).Result()
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i := 0; i < 3; i++ {
			rec := newRecord(cfg, uid, i, now.Add(time.Duration(i)*time.Millisecond), 2)
			s, err := cc.ClusterKeySlot(ctx, redisstore.SessionKey(rec.ID)).Result()
			if err != nil || s != slot {
				t.Fatalf("%s: session key in slot %d (%v), index in slot %d", uid, s, err, slot)
			}
			ev, err := st.Create(ctx, rec)
			if err != nil {
				t.Fatalf("%s: Create: %v", uid, err)
			}
			if i == 2 && !slices.Equal(ev, []string{ids[0]}) {
				t.Fatalf("%s: ended %v, want %s", uid, ev, ids[0])
			}
			ids = append(ids, rec.ID)
		}
		if n, err := st.SetClaims(ctx, uid, []string{"r"}, []byte("{}")); err != nil || n != 2 {
			t.Fatalf("%s: SetClaims %d %v", uid, n, err)
		}
		if l, err := st.ListUser(ctx, uid, now); err != nil || len(l) != 2 {
			t.Fatalf("%s: ListUser %v %v", uid, l, err)
		}
		if n, err := st.RevokeUser(ctx, uid, ids[2]); err != nil || n != 1 {
			t.Fatalf("%s: RevokeUser %d %v", uid, n, err)
		}
		master, err := cc.MasterForKey(ctx, redisstore.UserKey(uid))
		if err != nil {
			t.Fatal(err)
		}
		masters[master.Options().Addr] = true
	}
	if len(masters) != 3 {
		t.Fatalf("the users' slots are on %d masters, want all 3: %v", len(masters), masters)
	}
}

// TestSentTwiceHappensOnce: go-redis sends a command again when its answer
// was lost (a read timeout, a dropped connection) after Redis ran it.
// Create and RevokeUser, sent twice, act once and answer the same both
// times: a Create resent after a RevokeUser does not bring its session
// back, and reports what it ended; a RevokeUser resent after a sign-in
// does not end the new session, and reports its count.
func TestSentTwiceHappensOnce(t *testing.T) {
	f := newFixture(t, redisstore.Options{})
	ctx := context.Background()
	st := f.store
	uid := "twice"
	now := f.clock.Now()
	a, b := newRecord(f.cfg, uid, 1, now, 1), newRecord(f.cfg, uid, 2, now.Add(time.Millisecond), 1)
	if _, err := st.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	first, err := st.Create(ctx, b)
	if err != nil || !slices.Equal(first, []string{a.ID}) {
		t.Fatalf("Create: %v %v, want [%s]", first, err, a.ID)
	}
	again, err := st.Create(ctx, b)
	if err != nil || !slices.Equal(again, first) {
		t.Fatalf("the same Create again: %v %v, want %v", again, err, first)
	}
	if n, err := st.RevokeUser(ctx, uid, ""); err != nil || n != 1 {
		t.Fatalf("RevokeUser: %d %v", n, err)
	}
	if _, err := st.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Info(ctx, b.ID, now.Add(time.Second)); !errors.Is(err, session.ErrUnknown) {
		t.Fatalf("a Create resent after RevokeUser brought its session back: %v", err)
	}
	if l, err := st.ListUser(ctx, uid, now.Add(time.Second)); err != nil || len(l) != 0 {
		t.Fatalf("ListUser: %v %v", l, err)
	}
	redisstore.CheckRevokeUserSentTwice(t, st, f.cfg, uid)
}

// TestRevokeLeavesIndexBounded: Revoke deletes the record alone; the
// index members it leaves are never sessions, never block a sign-in, and
// the next Create prunes them, so the index stays within the limit.
func TestRevokeLeavesIndexBounded(t *testing.T) {
	f := newFixture(t, redisstore.Options{})
	ctx := context.Background()
	st := f.store
	uid := "revoked"
	now := f.clock.Now()
	const limit = 3
	for i := 0; i < limit; i++ {
		if _, err := st.Create(ctx, newRecord(f.cfg, uid, i, now, limit)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < limit; i++ {
		if ok, err := st.Revoke(ctx, newRecord(f.cfg, uid, i, now, limit).ID); err != nil || !ok {
			t.Fatalf("Revoke: %v %v", ok, err)
		}
	}
	if n, err := st.IndexLen(ctx, uid); err != nil || n != limit {
		t.Fatalf("index after the revokes: %d %v, want %d (the members left behind)", n, err, limit)
	}
	next := newRecord(f.cfg, uid, 99, now.Add(time.Second), limit)
	ev, err := st.Create(ctx, next)
	if err != nil || len(ev) != 0 {
		t.Fatalf("a Create after revokes ended %v (%v), want none", ev, err)
	}
	if n, err := st.IndexLen(ctx, uid); err != nil || n != 1 {
		t.Fatalf("index after the next Create: %d %v, want 1", n, err)
	}
	if l, err := st.ListUser(ctx, uid, now.Add(time.Second)); err != nil || len(l) != 1 || l[0].ID != next.ID {
		t.Fatalf("ListUser: %v %v", l, err)
	}
}
