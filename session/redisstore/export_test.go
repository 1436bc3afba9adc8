package redisstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/session"
)

// SessionKey is the key of a session under the default prefix.
func SessionKey(id string) string { return New(nil, Options{}).sessionKey(id) }

// UserKey is the key of a user's index under the default prefix.
func UserKey(userID string) string { k, _ := New(nil, Options{}).userKey(userID); return k }

// IndexLen is the number of members of userID's index.
func (s *Store) IndexLen(ctx context.Context, userID string) (int64, error) {
	k, _ := s.userKey(userID)
	return s.rdb.ZCard(ctx, k).Result()
}

// AccessGenOf reads the current access generation of a session straight
// from Redis (the default prefix).
func AccessGenOf(ctx context.Context, rdb redis.UniversalClient, id string) (uint64, error) {
	v, err := rdb.Get(ctx, SessionKey(id)).Result()
	if err != nil {
		return 0, err
	}
	r, err := decodeRecord(v)
	return r.h[fAccessGen], err
}

// CheckRevokeUserSentTwice runs revokeuser.lua twice with one receipt, as
// go-redis does when the first answer is lost, with a sign-in of uid in
// between: the second run answers the first's count and deletes nothing,
// so the session signed in after the first survives.
func CheckRevokeUserSentTwice(t *testing.T, s *Store, cfg session.Config, uid string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	rec := func(n int) session.Record {
		return session.Record{ID: session.UserTag(uid) + fmt.Sprintf("%024x", n), UserID: uid, Claims: []byte("{}"),
			CreatedAt: now, AbsoluteEnd: now.Add(cfg.AbsoluteTimeout), IdleTimeout: cfg.IdleTimeout, MaxPerUser: 5}
	}
	for i := 10; i < 12; i++ {
		if _, err := s.Create(ctx, rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	uk, tag := s.userKey(uid)
	keys := []string{uk, s.prefix + revokeReceiptTag + tag + "}" + "0123456789abcdef0123456789abcdef"}
	run := func() int {
		n, err := revokeUserScript.Run(ctx, s.rdb, keys, s.sessionBase(tag), "", s.receiptTTL()).Int()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := run(); n != 2 {
		t.Fatalf("RevokeUser ended %d, want 2", n)
	}
	if _, err := s.Create(ctx, rec(12)); err != nil {
		t.Fatal(err)
	}
	if n := run(); n != 2 {
		t.Fatalf("RevokeUser sent again answered %d, want the first answer, 2", n)
	}
	if _, err := s.Info(ctx, rec(12).ID, now); err != nil {
		t.Fatalf("RevokeUser sent again ended a session signed in after it: %v", err)
	}
	if _, err := s.Info(ctx, rec(10).ID, now); !errors.Is(err, session.ErrUnknown) {
		t.Fatalf("a session RevokeUser ended: %v", err)
	}
}
