package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// SessionKey is the key of a session under the default prefix.
func SessionKey(id string) string { return New(nil, Options{}).sessionKey(id) }

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
