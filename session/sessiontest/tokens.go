package sessiontest

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/sessiongate/sessiongate/session"
)

// AccessCookieWithoutHints returns access cookie value v without the hints
// it carries for the store (session/token.go documents the token): the
// same session and generation, issued 0 ("not said") and no flags,
// encoded with cfg's newest key pair. A store must give such a cookie the
// answer it gives the cookie with hints — the hints only choose how it
// checks, never what it answers — and the Manager issues it again with
// them. Tests use it to take a store's path for a cookie that says
// nothing (the Redis store's script).
func AccessCookieWithoutHints(t testing.TB, cfg session.Config, v string) string {
	t.Helper()
	codecs := make([]securecookie.Codec, 0, len(cfg.Keys))
	for _, k := range cfg.Keys {
		s := securecookie.New(k.Hash, k.Block)
		s.SetSerializer(securecookie.NopEncoder{})
		s.MaxAge(int(cfg.AbsoluteTimeout/time.Second) + 60)
		codecs = append(codecs, s)
	}
	var raw []byte
	if err := securecookie.DecodeMulti(cfg.AccessCookieName, v, &raw, codecs...); err != nil {
		t.Fatalf("AccessCookieWithoutHints: %v", err)
	}
	// Version 3: 0x03, 16 handle bytes, 4 tag bytes, uvarint generation,
	// uvarint issued, flags.
	const fixed = 1 + 16 + 4
	if len(raw) < fixed+3 || raw[0] != 3 {
		t.Fatalf("AccessCookieWithoutHints: not a version 3 token")
	}
	gen, n := binary.Uvarint(raw[fixed:])
	if n <= 0 {
		t.Fatalf("AccessCookieWithoutHints: malformed generation")
	}
	plain := binary.AppendUvarint(append([]byte{}, raw[:fixed]...), gen)
	plain = append(plain, 0, 0) // issued 0, no flags
	out, err := securecookie.EncodeMulti(cfg.AccessCookieName, plain, codecs[0])
	if err != nil {
		t.Fatalf("AccessCookieWithoutHints: %v", err)
	}
	return out
}
