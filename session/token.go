package session

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
)

// A token is what a cookie carries once securecookie has authenticated and
// decrypted it: the session handle (16 random bytes, the only secret that
// names a session), the session's user tag (UserTag, as 4 bytes), a
// generation number and, in an access token, two hints for the store: when
// the generation was issued and whether its first validation must record
// that a refresh token was used.
//
// The wire form inside securecookie is version 3, the only one written and
// the only one read:
//
//	0x03, 16 handle bytes, 4 tag bytes, uvarint generation,
//	uvarint issued (ms since the epoch, 0 = not said), one flags byte
//
// Refresh tokens have issued 0 and flags 0. Every varint is minimal, no
// flag but bit 0 (pending) may be set and nothing may follow the flags
// byte, so one token has exactly one encoding. Versions 1 and 2, which
// carried no tag, no longer decode (ErrUnknown): their sessions lived
// under ids that did not begin with the user's tag, and end at the
// upgrade (docs/protocol.md).
type token struct {
	handle [16]byte
	// tag is the first 4 bytes of SHA-256(user id): UserTag, not in hex.
	tag [4]byte
	gen uint64
	// issued is when gen was issued, ms since the epoch; 0 when the
	// token does not carry it (refresh tokens).
	issued uint64
	// pending: see State.RefreshPending.
	pending bool
}

const (
	tokenV3 = 3

	flagPending = 1 << 0 // the only flag; other bits must be zero

	// tokenFixed is the length of a token's fixed part: version, handle,
	// tag.
	tokenFixed = 1 + 16 + 4
)

// maxCookieValue bounds what is handed to securecookie: a genuine cookie is
// about 200 bytes; anything past this is rejected before any crypto work.
const maxCookieValue = 1024

func (t token) marshal() []byte {
	b := make([]byte, 0, tokenFixed+2*binary.MaxVarintLen64+1)
	b = append(b, tokenV3)
	b = append(b, t.handle[:]...)
	b = append(b, t.tag[:]...)
	b = binary.AppendUvarint(b, t.gen)
	b = binary.AppendUvarint(b, t.issued)
	var flags byte
	if t.pending {
		flags |= flagPending
	}
	return append(b, flags)
}

var errBadToken = errors.New("malformed token")

// uvarint reads one minimal uvarint from b and returns it with the rest.
// A uvarint of more than one byte is minimal when its last byte, which
// holds its highest bits, is not zero.
func uvarint(b []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(b)
	if n <= 0 || n > 1 && b[n-1] == 0 {
		return 0, nil, false // truncated, overflowing or non-minimal
	}
	return v, b[n:], true
}

func unmarshalToken(b []byte) (token, error) {
	var t token
	if len(b) < tokenFixed || b[0] != tokenV3 {
		return t, errBadToken
	}
	copy(t.handle[:], b[1:17])
	copy(t.tag[:], b[17:tokenFixed])
	rest := b[tokenFixed:]
	var ok bool
	if t.gen, rest, ok = uvarint(rest); !ok {
		return token{}, errBadToken
	}
	if t.issued, rest, ok = uvarint(rest); !ok || len(rest) != 1 || rest[0]&^flagPending != 0 {
		return token{}, errBadToken
	}
	t.pending = rest[0]&flagPending != 0
	return t, nil
}

// sessionID is the public, non-secret name of a session (see ID): its
// user's tag, then the first 96 bits of SHA-256 of its handle, in hex.
// Redis keys are derived from it, so a copy of Redis holds nothing that
// can be replayed as a cookie.
func (t token) sessionID() string { return t.id().String() }

// id is t's session id as an ID: sessionID without making a string.
func (t token) id() ID {
	var id ID
	hex.Encode(id[:UserTagLen], t.tag[:])
	sum := sha256.Sum256(t.handle[:])
	hex.Encode(id[UserTagLen:], sum[:(IDLen-UserTagLen)/2])
	return id
}

// userTag is UserTag(userID) as the 4 bytes a token carries.
func userTag(userID string) [4]byte {
	sum := sha256.Sum256([]byte(userID))
	return [4]byte(sum[:4])
}

// sameSession reports whether a and b name the same session.
func (t token) sameSession(o token) bool { return t.handle == o.handle && t.tag == o.tag }

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

// ErrCodec is the cause of a cookie that could not be decoded because the
// codec failed rather than the cookie: securecookie reported a usage error
// (a key it refuses) or an internal one. It reaches callers inside a
// *StoreError, so they answer 5xx and change no cookie — a key bug must not
// look like every user being logged out — and it says which it was.
var ErrCodec = errors.New("session: cookie codec failure")

// decode authenticates and decrypts value as cookie name. A cookie that
// fails as untrusted input does — wrong key, tampering, a cookie of
// another name, a retired key, an expired securecookie timestamp, a
// malformed token inside — is ErrUnknown. A failure of the codec itself is
// a *StoreError wrapping ErrCodec (codecFailure).
func (c codec) decode(name, value string) (token, error) {
	if value == "" || len(value) > maxCookieValue {
		return token{}, ErrUnknown
	}
	dst := rawPool.Get().(*[]byte)
	err := securecookie.DecodeMulti(name, value, dst, c.codecs...)
	raw := *dst
	*dst = nil // the pool keeps no reference to securecookie's buffer
	rawPool.Put(dst)
	if err != nil {
		if !onlyDecodeErrors(err) {
			return token{}, codecFailure("decode "+name, err)
		}
		return token{}, ErrUnknown
	}
	t, err := unmarshalToken(raw)
	if err != nil {
		return token{}, ErrUnknown
	}
	return t, nil
}

// rawPool holds the *[]byte securecookie decodes into. It is handed over
// as an interface value, so a local slice would escape to the heap on
// every decode; the pool reuses one per concurrent decode instead.
var rawPool = sync.Pool{New: func() any { return new([]byte) }}

// onlyDecodeErrors reports whether err, from securecookie, says only that
// the value did not decode: every error in it is a securecookie.Error that
// is a decode error and neither a usage nor an internal one. Anything else
// — a usage error (a key securecookie refuses, no codecs), an internal
// error, an error that is not securecookie's — is the codec's fault.
func onlyDecodeErrors(err error) bool {
	errs := []error{err}
	if m, ok := err.(securecookie.MultiError); ok {
		errs = m
	}
	if len(errs) == 0 {
		return false
	}
	for _, e := range errs {
		se, ok := e.(securecookie.Error)
		if !ok || !se.IsDecode() || se.IsUsage() || se.IsInternal() {
			return false
		}
	}
	return true
}

// codecFailure is the error of a codec that failed (not the cookie): a
// store-class failure, so nobody is logged out by it.
func codecFailure(op string, err error) error {
	return &StoreError{Op: op, Err: fmt.Errorf("%w: %w", ErrCodec, err)}
}

// access is t as Store.Validate receives it.
func (t token) access() Access {
	a := Access{Gen: t.gen, RefreshPending: t.pending}
	if t.issued != 0 {
		a.Issued = time.UnixMilli(int64(t.issued))
	}
	return a
}

// accessToken is the access token for generation st.AccessGen of handle,
// with the hints of st.
func accessToken(handle [16]byte, tag [4]byte, st State) token {
	t := token{handle: handle, tag: tag, gen: st.AccessGen, pending: st.RefreshPending}
	if ms := st.AccessIssued.UnixMilli(); ms > 0 {
		t.issued = uint64(ms)
	}
	return t
}
