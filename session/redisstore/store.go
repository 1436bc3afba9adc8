package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
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
	// between deployments. It must not contain a brace ("{" or "}"): the
	// brace after it starts the hash tag that keeps a user's keys in one
	// slot (New panics on one).
	Prefix string
	// Timeout bounds every call (a caller's earlier deadline still wins);
	// default DefaultTimeout.
	Timeout time.Duration
}

// New returns a Store over rdb (a *redis.Client or *redis.ClusterClient).
// It panics when opts.Prefix holds a brace, which would move the hash tag
// of some keys and not others: a programming error, not a configuration
// one (no environment variable sets the prefix).
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = "sg:"
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		panic("redisstore: Options.Prefix must not contain a brace")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	return &Store{rdb: rdb, prefix: opts.Prefix, timeout: opts.Timeout}
}

// Keys (doc.go, "One hash slot per user"). A session's key is
//
//	prefix + "s:{" + tag + "}" + id
//
// and its user's index
//
//	prefix + "u:{" + tag + "}" + the rest of hashUser(user id)
//
// where tag is session.UserTag(user id), the first session.UserTagLen
// characters of every session id of that user (and of hashUser's hex). The
// braces make the tag the hash tag, so all of a user's keys are in one
// slot. The id follows the brace whole, so a key names its session by
// itself, and its last session.IDLen bytes are the id (keyAndID).
//
// Two more kinds of key, receipts, make a script that writes safe to send
// twice (go-redis sends a command again when its answer was lost):
// prefix + "c:{" + tag + "}" + id for Create, prefix + "r:{" + tag + "}" +
// a random nonce for RevokeUser. Each holds what its call answered, for
// receiptTTL (create.lua).
const (
	sessionTag       = "s:{"
	userTag          = "u:{"
	createReceiptTag = "c:{"
	revokeReceiptTag = "r:{"
)

// receiptTTL is how long a receipt is kept: a minute longer than any call
// can last (Options.Timeout bounds it), so it outlives every resend.
func (s *Store) receiptTTL() int64 { return (s.timeout + time.Minute).Milliseconds() }

// sessionKey is the one key of session id, which must be a valid id
// (validID).
func (s *Store) sessionKey(id string) string {
	return s.prefix + sessionTag + id[:session.UserTagLen] + "}" + id
}

// keyAndID is sessionKey for an id that is not a string yet, and the id's
// text: the key's last session.IDLen bytes, so that one string is made for
// both.
func (s *Store) keyAndID(id session.ID) (key, text string) {
	key = s.prefix + sessionTag + string(id[:session.UserTagLen]) + "}" + string(id[:])
	return key, key[len(key)-len(id):]
}

// sessionBase is what the keys of every session with the given tag begin
// with: sessionKey(id) is sessionBase(id[:session.UserTagLen]) + id. The
// user's scripts take it as an argument and append the ids of the index.
func (s *Store) sessionBase(tag string) string {
	return s.prefix + sessionTag + tag + "}"
}

// userKey is a user's index: a sorted set of session ids scored by their
// absolute end (ms), so listing and "log out everywhere" need no SCAN. The
// hash of the user id is split around the closing brace: its first
// session.UserTagLen hex digits are session.UserTag(userID).
func (s *Store) userKey(userID string) (key, tag string) {
	h := hashUser(userID)
	tag = h[:session.UserTagLen]
	return s.prefix + userTag + tag + "}" + h[session.UserTagLen:], tag
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

// maxAgentLen is the longest session.Record.Agent a store accepts.
const maxAgentLen = 64

// validAgent is session.Record.Agent's form: at most maxAgentLen bytes of
// printable ASCII.
func validAgent(a string) bool {
	if len(a) > maxAgentLen {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] < 0x20 || a[i] > 0x7e {
			return false
		}
	}
	return true
}

// Create implements session.Store with one EVALSHA of create.lua on the
// user's slot: it prunes the user's index, ends the least recently used
// sessions beyond rec.MaxPerUser, stores the record and indexes it, all in
// one atomic step (the script documents the order). Nothing is sent for a
// record it refuses. The script leaves a receipt under the session's id
// (doc.go, "Sent twice, done once"): the same record created again while
// the receipt lasts is answered as the first time and writes nothing.
func (s *Store) Create(ctx context.Context, rec session.Record) ([]string, error) {
	if !validID(rec.ID) {
		return nil, fmt.Errorf("%w: malformed session id", session.ErrInvalidInput)
	}
	uk, tag := s.userKey(rec.UserID)
	if rec.ID[:session.UserTagLen] != tag {
		return nil, fmt.Errorf("%w: the session id is not of the user's tag", session.ErrInvalidInput)
	}
	if rec.MaxPerUser < 1 {
		return nil, fmt.Errorf("%w: a session limit below 1", session.ErrInvalidInput)
	}
	if !validAgent(rec.Agent) {
		return nil, fmt.Errorf("%w: agent is not at most %d bytes of printable ASCII", session.ErrInvalidInput, maxAgentLen)
	}
	now, ab, idle := ms(rec.CreatedAt), ms(rec.AbsoluteEnd), rec.IdleTimeout.Milliseconds()
	// The record is checked before anything is sent.
	r := record{uid: rec.UserID, roles: strings.Join(rec.Roles, ","), agent: rec.Agent, claims: string(rec.Claims)}
	r.h[fLastActive], r.h[fAbsEnd], r.h[fCreated] = uint64(now), uint64(ab), uint64(now)
	r.h[fIdleTimeout] = uint64(idle)
	r.h[fAccessGen], r.h[fAccessIssued] = 1, uint64(now)
	// The first refresh generation has no predecessor to retire, so it
	// counts as used from the start: the session's first access token
	// validates without a write.
	r.h[fRefreshGen], r.h[fRefreshUsed], r.h[fUsedAt], r.h[fRefreshAccessGen] = 1, 1, uint64(now), 1
	v, err := r.encode()
	if err != nil || now < 0 || ab <= now || idle <= 0 {
		return nil, fmt.Errorf("%w: session times out of range", session.ErrInvalidInput)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	base := s.sessionBase(tag)
	receipt := s.prefix + createReceiptTag + tag + "}" + rec.ID
	ended, err := createScript.Run(ctx, s.rdb, []string{base + rec.ID, uk, receipt},
		v, base, rec.MaxPerUser, s.receiptTTL()).Text()
	if err != nil {
		return nil, s.fail("create", err)
	}
	if len(ended)%session.IDLen != 0 {
		return nil, s.fail("create", errReply)
	}
	var evicted []string
	for i := 0; i < len(ended); i += session.IDLen {
		id := ended[i : i+session.IDLen]
		if !validID(id) {
			return nil, s.fail("create", errReply)
		}
		evicted = append(evicted, id)
	}
	return evicted, nil
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
	case []any:
		// refresh.lua's theft verdict: {R_THEFT, the record it deleted},
		// so that the incident names the user.
		if len(res) == 2 && res[0] == int64(replyTheft) {
			if v, ok := res[1].(string); ok {
				if r, err := decodeRecord(v); err == nil {
					return record{}, &session.TheftError{UserID: r.uid}
				}
			}
			return record{}, session.ErrTheft
		}
	}
	return record{}, s.fail(op, errReply)
}

var (
	errReply = errors.New("redisstore: unexpected script reply")
	errClock = errors.New("clock out of range")
)

// Info implements session.Store with one GET, decided in Go: ErrUnknown
// when there is no record, or when the record is timed out at now (it is
// left for Redis's TTL or the next script to remove: Info writes nothing).
func (s *Store) Info(ctx context.Context, id string, now time.Time) (session.Info, error) {
	if !validID(id) {
		return session.Info{}, session.ErrUnknown
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	v, err := s.rdb.Get(ctx, s.sessionKey(id)).Result()
	if errors.Is(err, redis.Nil) {
		return session.Info{}, session.ErrUnknown
	}
	if err != nil {
		return session.Info{}, s.fail("info", err)
	}
	r, err := decodeRecord(v)
	if err != nil {
		return session.Info{}, s.fail("info", err)
	}
	if !r.live(ms(now)) {
		return session.Info{}, session.ErrUnknown
	}
	return r.info(id), nil
}

// info is the session.Info of record r, the record of session id.
func (r *record) info(id string) session.Info {
	return session.Info{ID: id, UserID: r.uid, Roles: r.roleList(), CreatedAt: r.time(fCreated),
		LastActive: r.time(fLastActive), AbsoluteEnd: r.time(fAbsEnd), Agent: r.agent}
}

// Revoke implements session.Store with one DEL of the session's key. The
// session's member in its user's index stays until the next script of that
// user (Create, ListUser, SetClaims, RevokeUser) finds it gone and removes
// it: the index's key is named after a SHA-256 of the user id, which only
// the record holds and Lua cannot compute, so removing the member at once
// would cost a read before the delete, or 24 more bytes in every record.
// A member left behind is never counted as a session (every script checks
// the record), never blocks a sign-in (Create prunes before it counts),
// and cannot make the index grow: it stays in a slot Create had already
// counted (TestRevokeLeavesIndexBounded).
func (s *Store) Revoke(ctx context.Context, id string) (bool, error) {
	if !validID(id) {
		return false, nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := s.rdb.Del(ctx, s.sessionKey(id)).Result()
	if err != nil {
		return false, s.fail("revoke", err)
	}
	return n == 1, nil
}

// RevokeUser implements session.Store with one EVALSHA of revokeuser.lua
// on the user's slot, atomic with respect to Create (create.lua runs on the
// same slot): every session of the user stored before it is deleted, and
// one stored after survives — none can be stored without its index member
// in between, as one that was written apart from its index could before.
func (s *Store) RevokeUser(ctx context.Context, userID, keep string) (int, error) {
	if keep != "" && !validID(keep) {
		return 0, fmt.Errorf("%w: malformed session id to keep", session.ErrInvalidInput)
	}
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return 0, fmt.Errorf("redisstore: revoke user: %w", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	uk, tag := s.userKey(userID)
	receipt := s.prefix + revokeReceiptTag + tag + "}" + hex.EncodeToString(nonce[:])
	n, err := revokeUserScript.Run(ctx, s.rdb, []string{uk, receipt}, s.sessionBase(tag), keep, s.receiptTTL()).Int()
	if err != nil {
		return 0, s.fail("revoke user", err)
	}
	return n, nil
}

// ListUser implements session.Store with one EVALSHA of listuser.lua on
// the user's slot, which reads every session of the index and answers with
// the live ones; members whose session is gone are pruned on the way.
func (s *Store) ListUser(ctx context.Context, userID string, now time.Time) ([]session.Info, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	uk, tag := s.userKey(userID)
	res, err := listUserScript.Run(ctx, s.rdb, []string{uk}, s.sessionBase(tag), ms(now)).StringSlice()
	if err != nil {
		return nil, s.fail("list user", err)
	}
	if len(res)%2 != 0 {
		return nil, s.fail("list user", errReply)
	}
	var out []session.Info
	for i := 0; i < len(res); i += 2 {
		r, err := decodeRecord(res[i+1])
		if err != nil || !validID(res[i]) {
			return nil, s.fail("list user", errRecord)
		}
		out = append(out, r.info(res[i]))
	}
	return out, nil
}

// SetClaims implements session.Store with one EVALSHA of setclaims.lua on
// the user's slot: every session of the user gets the new roles and claims
// in the same step.
func (s *Store) SetClaims(ctx context.Context, userID string, roles []string, claims []byte) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	uk, tag := s.userKey(userID)
	n, err := setClaimsScript.Run(ctx, s.rdb, []string{uk}, s.sessionBase(tag), strings.Join(roles, ","), string(claims)).Int()
	if err != nil {
		return 0, s.fail("set claims", err)
	}
	return n, nil
}
