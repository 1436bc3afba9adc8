package logid

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
)

// Len is the length of a hash: 12 hex characters (48 bits).
const Len = 12

// EnvSalt is the environment variable the mains read the salt from.
const EnvSalt = "LOG_SALT"

// saltLen is the length of a random salt.
const saltLen = 32

// Hasher turns identifiers into salted hashes for logs. The zero value is
// not usable: build it with New or FromEnv. It is safe for concurrent use.
type Hasher struct {
	salt []byte
}

// New returns a Hasher keyed by salt. An empty salt gets a random one of 32
// bytes (crypto/rand), fixed for the Hasher's life: hashes then correlate
// only lines written by this process. salt is copied.
func New(salt []byte) *Hasher {
	if len(salt) == 0 {
		s := make([]byte, saltLen)
		_, _ = rand.Read(s) // never fails (crypto/rand)
		return &Hasher{salt: s}
	}
	return &Hasher{salt: append([]byte(nil), salt...)}
}

// FromEnv returns New of the value of LOG_SALT as lookup reports it (a
// random salt when unset or empty).
func FromEnv(lookup func(string) (string, bool)) *Hasher {
	v, _ := lookup(EnvSalt)
	return New([]byte(v))
}

// Hash returns the first 12 hex characters of HMAC-SHA256(salt, id).
// An empty id hashes like any other string; callers omit the field
// instead when there is no id.
func (h *Hasher) Hash(id string) string {
	return Hash(h.salt, id)
}

// Hash is Hasher.Hash for a caller that keeps its own salt bytes
// (session/sessionhttp). salt must not be empty.
func Hash(salt []byte, id string) string {
	mac := hmac.New(sha256.New, salt)
	mac.Write([]byte(id))
	var sum [sha256.Size]byte
	return hex.EncodeToString(mac.Sum(sum[:0])[:Len/2])
}

// String redacts the salt.
func (h *Hasher) String() string { return "logid.Hasher{redacted}" }

// GoString redacts the salt.
func (h *Hasher) GoString() string { return "logid.Hasher{redacted}" }

// LogValue redacts the salt.
func (h *Hasher) LogValue() slog.Value { return slog.StringValue("redacted") }
