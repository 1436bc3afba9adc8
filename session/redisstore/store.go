package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/session"
)

// DefaultTimeout bounds every store call (an earlier deadline of the
// caller's still wins). It is short: an authorizer that waits longer than this for Redis
// should answer 5xx and let the client retry.
const DefaultTimeout = 2 * time.Second

// Store is the Redis implementation of session.Store.
type Store struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
	policy  atomic.Pointer[policyScripts]
	stats   counters
}

var _ session.Store = (*Store)(nil)

// Options tune a Store.
type Options struct {
	// Prefix of every key, default "sg:". Change it to share one Redis
	// between deployments.
	Prefix string
	// Timeout bounds every call (a caller's earlier deadline still wins);
	// default DefaultTimeout.
	Timeout time.Duration
}

// New returns a Store over rdb (a *redis.Client or *redis.ClusterClient).
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = "sg:"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	return &Store{rdb: rdb, prefix: opts.Prefix, timeout: opts.Timeout}
}

// sessionKey is the one key of a session, its record (record.go), whose
// hash tag is the session id.
func (s *Store) sessionKey(id string) string { return s.prefix + sessionTag + id + "}" }

// sessionTag is what comes between the prefix and the session id in a
// session's key.
const sessionTag = "s:{"

// keyAndID is sessionKey for an id that is not a string yet, and the id's
// text: a substring of the key, so that one string is made for both.
func (s *Store) keyAndID(id session.ID) (key, text string) {
	key = s.prefix + sessionTag + string(id[:]) + "}"
	start := len(s.prefix) + len(sessionTag)
	return key, key[start : start+len(id)]
}

// userKey is a user's index: a sorted set of session ids scored by their
// absolute end (ms), so listing and "log out everywhere" need no SCAN.
func (s *Store) userKey(userID string) string {
	return s.prefix + "u:{" + hashUser(userID) + "}"
}

// ctx bounds every call by the store's timeout, or by the caller's earlier
// deadline: a Lambda's context carries the function's deadline (often many
// seconds), and an authorizer must answer 5xx long before that when Redis
// is slow.
func (s *Store) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// fail records a failed call. On a cluster, a failure that is not a reply
// from Redis (a refused dial, a reset connection, a timeout) may mean a
// master died and a replica took over; go-redis only re-reads the slot map
// on MOVED or once a minute, so ask it to reload now (asynchronously, at
// most one reload in flight) and the next calls reach the new master.
func (s *Store) fail(op string, err error) error {
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		var rerr redis.Error
		if !errors.As(err, &rerr) {
			cc.ReloadState(context.Background())
		}
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// validID keeps ids that reach a key name to the form the session package
// produces (32 lower-case hex digits), so no input can address another key.
func validID[T string | []byte](id T) bool {
	if len(id) != session.IDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Create implements session.Store. The user index is written first, so a
// failure between the two writes leaves at most a dangling index entry
// (pruned lazily), never an unindexed session.
func (s *Store) Create(ctx context.Context, rec session.Record) error {
	if !validID(rec.ID) {
		return fmt.Errorf("%w: malformed session id", session.ErrInvalidInput)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	now, ab := ms(rec.CreatedAt), ms(rec.AbsoluteEnd)
	idleEnd := now + rec.IdleTimeout.Milliseconds()
	if idleEnd > ab {
		idleEnd = ab
	}
	// The record is checked before anything is written.
	r := record{uid: rec.UserID, roles: strings.Join(rec.Roles, ","), claims: string(rec.Claims)}
	r.h[fLastActive], r.h[fAbsEnd], r.h[fCreated] = uint64(now), uint64(ab), uint64(now)
	r.h[fAccessGen], r.h[fAccessIssued] = 1, uint64(now)
	// The first refresh generation has no predecessor to retire, so it
	// counts as used from the start: the session's first access token
	// validates without a write.
	r.h[fRefreshGen], r.h[fRefreshUsed], r.h[fUsedAt], r.h[fRefreshAccessGen] = 1, 1, uint64(now), 1
	v, err := r.encode()
	if err != nil || now < 0 || idleEnd <= now {
		return fmt.Errorf("%w: session times out of range", session.ErrInvalidInput)
	}
	uk := s.userKey(rec.UserID)
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, uk, redis.Z{Score: float64(ab), Member: rec.ID})
		p.ZRemRangeByScore(ctx, uk, "-inf", strconv.FormatInt(now, 10))
		p.PExpire(ctx, uk, time.Duration(ab-now)*time.Millisecond)
		return nil
	})
	if err != nil {
		return s.fail("create: index", err)
	}
	if err := s.rdb.Set(ctx, s.sessionKey(rec.ID), v, time.Duration(idleEnd-now)*time.Millisecond).Err(); err != nil {
		return s.fail("create", err)
	}
	return nil
}

// Refresh implements session.Store with one EVALSHA.
func (s *Store) Refresh(ctx context.Context, id string, gen uint64, now time.Time, p session.Policy) (session.State, error) {
	if !validID(id) || gen > maxField {
		return session.State{}, session.ErrUnknown
	}
	arg, ok := callArg(now, gen)
	if !ok {
		return session.State{}, fmt.Errorf("redisstore: refresh: %w", errClock)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	r, err := s.run(ctx, s.scripts(p).refresh, "refresh", s.sessionKey(id), arg)
	if err != nil {
		return session.State{}, err
	}
	return r.state(id, p), nil
}

// run runs validate.lua or refresh.lua on key. Both answer with the record
// (as they wrote it back, or as stored when nothing changed), or with a
// reply code.
func (s *Store) run(ctx context.Context, script *redis.Script, op, key string, arg []byte) (record, error) {
	res, err := script.Run(ctx, s.rdb, []string{key}, arg).Result()
	if err != nil {
		return record{}, s.fail(op, err)
	}
	switch res := res.(type) {
	case string:
		r, err := decodeRecord(res)
		if err != nil {
			return record{}, s.fail(op, err)
		}
		return r, nil
	case int64:
		switch res {
		case replyUnknown, replyTimedOut:
			return record{}, session.ErrUnknown
		case replyExpired:
			return record{}, session.ErrExpired
		case replyTheft:
			return record{}, session.ErrTheft
		}
	}
	return record{}, s.fail(op, errReply)
}

var (
	errReply = errors.New("redisstore: unexpected script reply")
	errClock = errors.New("clock out of range")
)

// Revoke implements session.Store: delete the session, then drop it from its
// user's index.
func (s *Store) Revoke(ctx context.Context, id string) (bool, error) {
	if !validID(id) {
		return false, nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	uid, err := revokeScript.Run(ctx, s.rdb, []string{s.sessionKey(id)}).Text()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, s.fail("revoke", err)
	}
	if err := s.rdb.ZRem(ctx, s.userKey(uid), id).Err(); err != nil {
		return true, fmt.Errorf("redisstore: revoke: index: %w", err)
	}
	return true, nil
}

// liveIDs returns the ids in a user's index whose absolute end lies ahead.
func (s *Store) liveIDs(ctx context.Context, userID string, now time.Time) ([]string, error) {
	return s.rdb.ZRangeByScore(ctx, s.userKey(userID), &redis.ZRangeBy{Min: "(" + strconv.FormatInt(ms(now), 10), Max: "+inf"}).Result()
}

// RevokeUser implements session.Store.
func (s *Store) RevokeUser(ctx context.Context, userID string) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	uk := s.userKey(userID)
	ids, err := s.rdb.ZRange(ctx, uk, 0, -1).Result()
	if err != nil {
		return 0, fmt.Errorf("redisstore: revoke user: %w", err)
	}
	cmds := make([]*redis.IntCmd, 0, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			if validID(id) {
				cmds = append(cmds, p.Del(ctx, s.sessionKey(id)))
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redisstore: revoke user: %w", err)
	}
	n := 0
	for _, c := range cmds {
		n += int(c.Val())
	}
	if len(ids) > 0 {
		if err := s.rdb.ZRem(ctx, uk, toAny(ids)...).Err(); err != nil {
			return n, fmt.Errorf("redisstore: revoke user: index: %w", err)
		}
	}
	return n, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ListUser implements session.Store. Index entries whose session is gone
// (revoked elsewhere, timed out, deleted as theft) are pruned on the way.
func (s *Store) ListUser(ctx context.Context, userID string, now time.Time) ([]session.Info, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ids, err := s.liveIDs(ctx, userID, now)
	if err != nil {
		return nil, fmt.Errorf("redisstore: list user: %w", err)
	}
	cmds := make([]*redis.StringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, s.sessionKey(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: list user: %w", err)
	}
	var out []session.Info
	var dead []any
	for i, c := range cmds {
		v, err := c.Result()
		if errors.Is(err, redis.Nil) {
			dead = append(dead, ids[i])
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("redisstore: list user: %w", err)
		}
		r, err := decodeRecord(v)
		if err != nil {
			return nil, fmt.Errorf("redisstore: list user: %w", err)
		}
		out = append(out, session.Info{ID: ids[i], UserID: r.uid, Roles: r.roleList(),
			CreatedAt: r.time(fCreated), LastActive: r.time(fLastActive), AbsoluteEnd: r.time(fAbsEnd)})
	}
	if len(dead) > 0 {
		if err := s.rdb.ZRem(ctx, s.userKey(userID), dead...).Err(); err != nil {
			return out, fmt.Errorf("redisstore: list user: prune: %w", err)
		}
	}
	return out, nil
}

// SetClaims implements session.Store: one script per session (each session
// is its own slot), pipelined.
func (s *Store) SetClaims(ctx context.Context, userID string, roles []string, claims []byte) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ids, err := s.rdb.ZRange(ctx, s.userKey(userID), 0, -1).Result()
	if err != nil {
		return 0, fmt.Errorf("redisstore: set claims: %w", err)
	}
	rl := strings.Join(roles, ",")
	n := 0
	for _, id := range ids {
		if !validID(id) {
			continue
		}
		v, err := setClaimsScript.Run(ctx, s.rdb, []string{s.sessionKey(id)}, rl, string(claims)).Int()
		if err != nil {
			return n, fmt.Errorf("redisstore: set claims: %w", err)
		}
		n += v
	}
	return n, nil
}
