package session

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"

	"github.com/gorilla/securecookie"
)

// A token is what a cookie carries once securecookie has authenticated and
// decrypted it: the session handle (16 random bytes, the only secret that
// names a session) and a generation number. The wire form inside securecookie
// is 1 version byte, 16 handle bytes and a uvarint generation.
type token struct {
	handle [16]byte
	gen    uint64
}

const tokenVersion = 1

// maxCookieValue bounds what is handed to securecookie: a genuine cookie is
// about 170 bytes; anything past this is rejected before any crypto work.
const maxCookieValue = 1024

func (t token) marshal() []byte {
	b := make([]byte, 0, 1+16+binary.MaxVarintLen64)
	b = append(b, tokenVersion)
	b = append(b, t.handle[:]...)
	return binary.AppendUvarint(b, t.gen)
}

var errBadToken = errors.New("malformed token")

func unmarshalToken(b []byte) (token, error) {
	var t token
	if len(b) < 18 || b[0] != tokenVersion {
		return t, errBadToken
	}
	copy(t.handle[:], b[1:17])
	g, n := binary.Uvarint(b[17:])
	if n <= 0 || 17+n != len(b) || n != len(binary.AppendUvarint(nil, g)) {
		return t, errBadToken // trailing bytes, or a non-minimal varint
	}
	t.gen = g
	return t, nil
}

// sessionID is the public, non-secret name of a session: the first 128 bits
// of SHA-256 of its handle, in hex. Redis keys are derived from it, so a copy
// of Redis holds nothing that can be replayed as a cookie.
func (t token) sessionID() string {
	sum := sha256.Sum256(t.handle[:])
	return hex.EncodeToString(sum[:16])
}

// codec wraps securecookie codecs built from the key pairs: the first encodes,
// every one decodes (key rotation).
type codec struct {
	codecs []securecookie.Codec
}

func newCodec(keys []KeyPair, maxAgeSeconds int) codec {
	cs := make([]securecookie.Codec, 0, len(keys))
	for _, k := range keys {
		s := securecookie.New(k.Hash, k.Block)
		s.SetSerializer(securecookie.NopEncoder{})
		s.MaxAge(maxAgeSeconds)
		s.MaxLength(4096)
		cs = append(cs, s)
	}
	return codec{codecs: cs}
}

func (c codec) encode(name string, t token) (string, error) {
	return securecookie.EncodeMulti(name, t.marshal(), c.codecs...)
}

// decode authenticates and decrypts value as cookie name. Any failure —
// wrong key, tampering, a cookie of another name, a retired key — is
// ErrUnknown.
func (c codec) decode(name, value string) (token, error) {
	if value == "" || len(value) > maxCookieValue {
		return token{}, ErrUnknown
	}
	var raw []byte
	if err := securecookie.DecodeMulti(name, value, &raw, c.codecs...); err != nil {
		return token{}, ErrUnknown
	}
	t, err := unmarshalToken(raw)
	if err != nil {
		return token{}, ErrUnknown
	}
	return t, nil
}
