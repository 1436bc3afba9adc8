package sessiontest

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/sessiongate/sessiongate/session"
)

// FirstVersionAccessCookie returns access cookie value v as the first token
// version wrote it, before access cookies carried hints for the store
// (session/token.go documents both versions): the same session and
// generation, no issue time, no flags, encoded with cfg's newest key pair.
// Tests use it to prove that deploying the newer version logs nobody out.
func FirstVersionAccessCookie(t testing.TB, cfg session.Config, v string) string {
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
		t.Fatalf("FirstVersionAccessCookie: %v", err)
	}
	if len(raw) < 18 || raw[0] != 2 {
		t.Fatalf("FirstVersionAccessCookie: not a version 2 token")
	}
	gen, n := binary.Uvarint(raw[17:])
	if n <= 0 {
		t.Fatalf("FirstVersionAccessCookie: malformed generation")
	}
	old := binary.AppendUvarint(append([]byte{1}, raw[1:17]...), gen)
	out, err := securecookie.EncodeMulti(cfg.AccessCookieName, old, codecs[0])
	if err != nil {
		t.Fatalf("FirstVersionAccessCookie: %v", err)
	}
	return out
}
