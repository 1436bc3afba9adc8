package session

import "encoding/hex"

// UserTagLen is the length of a user tag: 32 bits in hex.
const UserTagLen = 8

// UserTag is a short digest of a user id, the first UserTagLen
// characters of every session id of that user: the hex of the first four
// bytes of SHA-256(userID). It lets a store keep all of one user's
// sessions together — the Redis store puts them, and the user's index, in
// one hash slot, so that "log out everywhere", the per-user session limit
// and listing are each one atomic script, on a cluster too. It is not a
// secret and not unique: two users may share a tag, and nothing is decided
// by the tag alone.
func UserTag(userID string) string {
	tag := userTag(userID)
	return hex.EncodeToString(tag[:])
}
