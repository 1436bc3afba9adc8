package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/session"
)

// A validation takes one of three paths (doc.go, "Validation"):
//
//   - read: one GET of the record, decided in Go by decide, when the
//     cookie's hints say nothing will be written. Most validations.
//   - from the token: one EVALSHA of validate.lua, when the hints say a
//     write is due (the generation is due for rotation, or its first use
//     records the refresh token's use) or the cookie carries none.
//   - second trip: a GET whose record shows a write the hints did not
//     foresee (a generation adopted after a failover, a timed-out session
//     to delete), then validate.lua: two round trips, which must be rare.
//     Stats counts them.

// Stats counts how a Store answered validations since it was built, by
// path. The load generator reports SecondTrip's share.
type Stats struct {
	// ReadOnly validations were answered by one GET, decided in Go.
	ReadOnly int64
	// FromToken validations went straight to validate.lua: one EVALSHA.
	FromToken int64
	// SecondTrip validations read the record, found a write due that the
	// cookie did not foresee, and ran validate.lua: two round trips.
	SecondTrip int64
}

// Validations is how many validations the counts cover.
func (s Stats) Validations() int64 { return s.ReadOnly + s.FromToken + s.SecondTrip }

// SecondTripShare is SecondTrip's share of Validations, 0 when there were
// none.
func (s Stats) SecondTripShare() float64 {
	if n := s.Validations(); n > 0 {
		return float64(s.SecondTrip) / float64(n)
	}
	return 0
}

// counters are a Store's Stats, updated atomically.
type counters struct {
	readOnly, fromToken, secondTrip atomic.Int64
}

// Stats returns the counts so far.
func (s *Store) Stats() Stats {
	return Stats{ReadOnly: s.stats.readOnly.Load(), FromToken: s.stats.fromToken.Load(), SecondTrip: s.stats.secondTrip.Load()}
}

// callArg is validate.lua's and refresh.lua's one argument: the call's time
// (ms) and the presented generation, encoded like a record header of two
// fields (a version byte, then two fields), so the scripts read them with
// record.lua's num. ok is false when either is out of range.
func callArg(now time.Time, gen uint64) (arg []byte, ok bool) {
	t := now.UnixMilli()
	if t < 0 || uint64(t) > maxField || gen > maxField {
		return nil, false
	}
	b := make([]byte, 0, callArgLen)
	b = append(b, recordVersion)
	return appendField(appendField(b, uint64(t)), gen), true
}

// scriptFirst reports whether a validation at now (ms) goes straight to
// validate.lua, from what the cookie says: it carries no hints (issued
// 0), its first use records the refresh token's use, or its
// generation is due for rotation (RotateAfter ≤ age < AccessTTL; an
// older one is expired or handed back inside the grace window, which
// decide answers from a read). The hints only choose the path: the
// script and decide give the same answer for any record (decide's test).
func scriptFirst(a session.Access, now int64, l limits) bool {
	if a.Issued.IsZero() || a.RefreshPending {
		return true
	}
	age := now - a.Issued.UnixMilli()
	return age >= l.rot && age < l.ttl
}

// verdict is decide's answer.
type verdict int

const (
	answer  verdict = iota // the session as read: nothing to write
	expired                // ErrExpired (validate.lua's R_EXPIRED), nothing to write
	write                  // validate.lua must run: it writes, or deletes
)

func (v verdict) String() string {
	return [...]string{answer: "answer", expired: "expired", write: "write"}[v]
}

// decide is validate.lua's decision for generation g at now (ms) on record
// r, for the calls it answers without writing. Every condition is the
// script's, in the script's order; whatever the script would write — a
// timed-out session deleted, a generation adopted, a rotation, the refresh
// token recorded as used — is write, and the caller runs the script.
// TestDecideAgreesWithScript holds the two together.
func decide(r *record, now int64, g uint64, l limits) verdict {
	la, ab := int64(r.h[fLastActive]), int64(r.h[fAbsEnd])
	if now >= ab || now-la >= l.idle {
		return write // timed out: the script deletes it (R_TIMEDOUT)
	}
	ag, agt := r.h[fAccessGen], int64(r.h[fAccessIssued])
	switch {
	case g > ag:
		return write // adopt
	case g == ag:
		if now-agt >= l.ttl {
			return expired
		}
		if now-agt >= l.rot {
			return write // rotate
		}
	default:
		if g != r.h[fPrevAccessGen] || now >= int64(r.h[fPrevAccessOut])+l.grace || now-agt >= l.ttl {
			return expired
		}
	}
	if r.h[fRefreshUsed] == 0 && g >= r.h[fRefreshAccessGen] {
		return write // record the refresh token's use
	}
	return answer
}

// Validate implements session.Store: one GET, or one EVALSHA, or (rarely)
// both; see the paths above. The State's SessionID is a substring of the
// key (keyAndID).
func (s *Store) Validate(ctx context.Context, id session.ID, a session.Access, now time.Time, p session.Policy) (session.State, error) {
	if !validID(id[:]) || a.Gen > maxField {
		return session.State{}, session.ErrUnknown
	}
	ms := now.UnixMilli()
	if ms < 0 || ms > maxField {
		// A clock outside 1970..10889 is the server's fault, not the
		// session's: a store failure, so nobody is logged out.
		return session.State{}, fmt.Errorf("redisstore: validate: %w", errClock)
	}
	ps := s.scripts(p)
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	key, sid := s.keyAndID(id)
	if scriptFirst(a, ms, ps.limits) {
		s.stats.fromToken.Add(1)
		return s.validateScript(ctx, ps, key, sid, now, a.Gen, p)
	}
	v, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		s.stats.readOnly.Add(1)
		return session.State{}, session.ErrUnknown
	}
	if err != nil {
		return session.State{}, s.fail("validate", err)
	}
	r, err := decodeRecord(v)
	if err != nil {
		return session.State{}, s.fail("validate", err)
	}
	switch decide(&r, ms, a.Gen, ps.limits) {
	case answer:
		s.stats.readOnly.Add(1)
		return r.state(sid, p), nil
	case expired:
		s.stats.readOnly.Add(1)
		return session.State{}, session.ErrExpired
	}
	s.stats.secondTrip.Add(1)
	return s.validateScript(ctx, ps, key, sid, now, a.Gen, p)
}

// validateScript runs validate.lua on key, the key of session id.
func (s *Store) validateScript(ctx context.Context, ps *policyScripts, key, id string, now time.Time, gen uint64, p session.Policy) (session.State, error) {
	arg, _ := callArg(now, gen) // in range: Validate checked both
	r, err := s.run(ctx, ps.validate, "validate", key, arg)
	if err != nil {
		return session.State{}, err
	}
	return r.state(id, p), nil
}

// state is the session.State of record r, the record of session id: the
// idle timeout ends one IdleTimeout after the recorded activity, capped by
// the absolute end.
func (r *record) state(id string, p session.Policy) session.State {
	ab := r.time(fAbsEnd)
	idleEnd := r.time(fLastActive).Add(p.IdleTimeout)
	if idleEnd.After(ab) {
		idleEnd = ab
	}
	return session.State{
		SessionID:      id,
		UserID:         r.uid,
		Roles:          r.roleList(),
		Claims:         []byte(r.claims),
		AccessGen:      r.h[fAccessGen],
		AccessIssued:   r.time(fAccessIssued),
		RefreshGen:     r.h[fRefreshGen],
		AbsoluteEnd:    ab,
		IdleExpiresAt:  idleEnd,
		RefreshPending: r.h[fRefreshUsed] == 0 && r.h[fAccessGen] >= r.h[fRefreshAccessGen],
	}
}
