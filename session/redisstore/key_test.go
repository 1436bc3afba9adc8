package redisstore

import (
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/session"
)

// keyAndID makes the key sessionKey makes, and the id's text, from an id
// that is not a string yet: one string, the key, for both.
func TestKeyAndID(t *testing.T) {
	id := session.ID([]byte("0123456789abcdef0123456789abcdef"))
	for _, prefix := range []string{"", "sg:", "tenant-a:", "{odd}:s:{"} {
		s := New(nil, Options{Prefix: prefix})
		key, text := s.keyAndID(id)
		if key != s.sessionKey(id.String()) || text != id.String() {
			t.Fatalf("prefix %q: key %q id %q, want %q %q", prefix, key, text, s.sessionKey(id.String()), id.String())
		}
		if !strings.HasSuffix(key, sessionTag+text+"}") {
			t.Fatalf("prefix %q: the id is not where the key has it: %q", prefix, key)
		}
		if n := testing.AllocsPerRun(100, func() { key, text = s.keyAndID(id) }); n != 1 {
			t.Fatalf("prefix %q: %v allocations for the key and the id, want 1", prefix, n)
		}
	}
}
