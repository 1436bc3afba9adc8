package redisstore

import (
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/session"
)

// keyAndID makes the key sessionKey makes, and the id's text, from an id
// that is not a string yet: one string, the key, for both, whose last
// session.IDLen bytes are the id.
func TestKeyAndID(t *testing.T) {
	id := session.ID([]byte("0123456789abcdef0123456789abcdef"))
	for _, prefix := range []string{"", "sg:", "tenant-a:", "a-prefix-longer-than-most:"} {
		s := New(nil, Options{Prefix: prefix})
		key, text := s.keyAndID(id)
		if key != s.sessionKey(id.String()) || text != id.String() {
			t.Fatalf("prefix %q: key %q id %q, want %q %q", prefix, key, text, s.sessionKey(id.String()), id.String())
		}
		if want := s.prefix + "s:{01234567}0123456789abcdef0123456789abcdef"; key != want {
			t.Fatalf("prefix %q: key %q, want %q", prefix, key, want)
		}
		if n := testing.AllocsPerRun(100, func() { key, text = s.keyAndID(id) }); n != 1 {
			t.Fatalf("prefix %q: %v allocations for the key and the id, want 1", prefix, n)
		}
	}
}

// A user's index and sessions share the hash tag, the user's tag: the
// first session.UserTagLen hex digits of hashUser, which are
// session.UserTag. (TestUserKeysShareOneSlot asks a cluster.)
func TestUserKeyLayout(t *testing.T) {
	s := New(nil, Options{})
	for _, uid := range []string{"alice@example.com", "bob", strings.Repeat("é", 127)} {
		tag := session.UserTag(uid)
		uk, ktag := s.userKey(uid)
		if ktag != tag {
			t.Fatalf("%q: userKey's tag %q, session.UserTag %q", uid, ktag, tag)
		}
		if want := "sg:u:{" + tag + "}" + hashUser(uid)[session.UserTagLen:]; uk != want {
			t.Fatalf("%q: index %q, want %q", uid, uk, want)
		}
		id := tag + "0123456789abcdef01234567"
		if sk := s.sessionKey(id); sk != s.sessionBase(tag)+id || hashTag(sk) != tag || hashTag(uk) != tag {
			t.Fatalf("%q: session key %q and index %q do not share the hash tag %q", uid, sk, uk, tag)
		}
	}
}

// hashTag is what Redis Cluster hashes of key: the text between the first
// "{" and the first "}" after it, when not empty; else the whole key.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// A brace in the prefix would move the hash tag of some keys and not
// others; New refuses it.
func TestPrefixWithBracePanics(t *testing.T) {
	for _, prefix := range []string{"{odd}:", "a{b", "x}"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("prefix %q: no panic", prefix)
				}
			}()
			New(nil, Options{Prefix: prefix})
		}()
	}
}
