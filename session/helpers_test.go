package session

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// memStore is an in-memory Store for the Manager's own rules (which copy
// of a cookie it picks, what it passes on, what it refuses before any
// write). It keeps the outline of the semantics — a generation check,
// rotation when due, refresh rotation with theft for an older generation,
// the per-user limit — but it is not the contract: the Redis store is
// proved against real servers by sessiontest.RunStoreContract.
type memStore struct {
	mu       sync.Mutex
	sessions map[string]*memSession
	calls    []string         // "op id" for every call, in order
	writes   int              // calls that changed a session
	fail     map[string]error // "op id" → the error that call returns
}

type memSession struct {
	rec          Record
	accessGen    uint64
	accessIssued time.Time
	refreshGen   uint64
	lastActive   time.Time
}

func newMemStore() *memStore {
	return &memStore{sessions: map[string]*memSession{}, fail: map[string]error{}}
}

// call records op on id and returns the error injected for it.
func (s *memStore) call(op, id string) error {
	s.calls = append(s.calls, op+" "+id)
	return s.fail[op+" "+id]
}

func (s *memStore) live(id string, now time.Time) *memSession {
	ss := s.sessions[id]
	if ss == nil || !now.Before(ss.rec.AbsoluteEnd) || !now.Before(ss.lastActive.Add(ss.rec.IdleTimeout)) {
		return nil
	}
	return ss
}

func (ss *memSession) state(id string) State {
	return State{SessionID: id, UserID: ss.rec.UserID, Roles: ss.rec.Roles, Claims: ss.rec.Claims,
		AccessGen: ss.accessGen, AccessIssued: ss.accessIssued, RefreshGen: ss.refreshGen,
		AbsoluteEnd: ss.rec.AbsoluteEnd, IdleExpiresAt: ss.lastActive.Add(ss.rec.IdleTimeout)}
}

func (ss *memSession) info(id string) Info {
	return Info{ID: id, UserID: ss.rec.UserID, Roles: ss.rec.Roles, CreatedAt: ss.rec.CreatedAt,
		LastActive: ss.lastActive, AbsoluteEnd: ss.rec.AbsoluteEnd, Agent: ss.rec.Agent}
}

func (s *memStore) Create(_ context.Context, rec Record) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call("create", rec.ID); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(rec.ID, UserTag(rec.UserID)) || rec.MaxPerUser < 1 {
		return nil, invalidf("record refused")
	}
	var mine []*memSession
	var ids []string
	for id, ss := range s.sessions {
		if ss.rec.UserID == rec.UserID && s.live(id, rec.CreatedAt) != nil {
			mine, ids = append(mine, ss), append(ids, id)
		}
	}
	var evicted []string
	for len(mine) >= rec.MaxPerUser {
		lru := 0
		for i := range mine {
			if a, b := mine[i], mine[lru]; a.lastActive.Before(b.lastActive) || a.lastActive.Equal(b.lastActive) && a.rec.CreatedAt.Before(b.rec.CreatedAt) {
				lru = i
			}
		}
		delete(s.sessions, ids[lru])
		evicted = append(evicted, ids[lru])
		mine, ids = append(mine[:lru], mine[lru+1:]...), append(ids[:lru], ids[lru+1:]...)
	}
	s.sessions[rec.ID] = &memSession{rec: rec, accessGen: 1, accessIssued: rec.CreatedAt, refreshGen: 1, lastActive: rec.CreatedAt}
	s.writes++
	return evicted, nil
}

func (s *memStore) Info(_ context.Context, id string, now time.Time) (Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call("info", id); err != nil {
		return Info{}, err
	}
	ss := s.live(id, now)
	if ss == nil {
		return Info{}, ErrUnknown
	}
	return ss.info(id), nil
}

func (s *memStore) Validate(_ context.Context, id ID, a Access, now time.Time, p Policy) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sid := id.String()
	if err := s.call("validate", sid); err != nil {
		return State{}, err
	}
	ss := s.live(sid, now)
	switch {
	case ss == nil:
		return State{}, ErrUnknown
	case a.Gen == ss.accessGen && now.Sub(ss.accessIssued) >= p.RotateAfter:
		ss.accessGen++
		ss.accessIssued, ss.lastActive = now, now
		s.writes++
	case a.Gen != ss.accessGen:
		return State{}, ErrExpired
	}
	return ss.state(sid), nil
}

func (s *memStore) Refresh(_ context.Context, id string, gen uint64, now time.Time, _ Policy) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call("refresh", id); err != nil {
		return State{}, err
	}
	ss := s.live(id, now)
	switch {
	case ss == nil:
		return State{}, ErrUnknown
	case gen != ss.refreshGen:
		delete(s.sessions, id)
		s.writes++
		return State{}, ErrTheft
	}
	ss.refreshGen++
	ss.accessGen++
	ss.accessIssued, ss.lastActive = now, now
	s.writes++
	return ss.state(id), nil
}

func (s *memStore) Revoke(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call("revoke", id); err != nil {
		return false, err
	}
	_, ok := s.sessions[id]
	if ok {
		delete(s.sessions, id)
		s.writes++
	}
	return ok, nil
}

func (s *memStore) RevokeUser(_ context.Context, userID, keep string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call("revokeuser", userID+" keep="+keep); err != nil {
		return 0, err
	}
	n := 0
	for id, ss := range s.sessions {
		if ss.rec.UserID == userID && id != keep {
			delete(s.sessions, id)
			n++
		}
	}
	s.writes += n
	return n, nil
}

func (s *memStore) ListUser(_ context.Context, userID string, now time.Time) ([]Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call("listuser", userID); err != nil {
		return nil, err
	}
	var out []Info
	for id, ss := range s.sessions {
		if ss.rec.UserID == userID && s.live(id, now) != nil {
			out = append(out, ss.info(id))
		}
	}
	return out, nil
}

func (s *memStore) SetClaims(_ context.Context, userID string, roles []string, claims []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ss := range s.sessions {
		if ss.rec.UserID == userID {
			ss.rec.Roles, ss.rec.Claims = roles, claims
			n++
		}
	}
	s.writes += n
	return n, nil
}

// reset forgets the calls and writes so far.
func (s *memStore) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.writes = nil, 0
}

// testClock is a clock a test moves by hand.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time      { return c.t }
func (c *testClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newTestClock() *testClock           { return &testClock{t: time.UnixMilli(1_795_253_061_000)} }
func (c *testClock) option() Option      { return WithClock(c.now) }
