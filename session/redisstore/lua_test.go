package redisstore

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// scriptClient returns a client of a redis-server of tb's own, for
// running the scripts' Lua directly; it is closed when tb ends.
func scriptClient(tb testing.TB) *redis.Client {
	tb.Helper()
	srv := sessiontest.StartServer(tb, sessiontest.Options{})
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	tb.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// TestLuaTakesItsNumbersFromGo: the scripts' record offsets and reply codes
// are the Go constants that define them. The generated prologue, run in a
// real redis-server, gives Lua exactly luaConsts' values; the .lua files
// hold no number besides 0, 1 (Lua's first index, a flag's value) and 256
// (a byte's base), so none can be a copy that drifts; and every constant
// they name is one the prologue or the policy line defines. (That the
// prologue's field functions read and write what Go does is
// TestRecordLuaMatchesGo.)
func TestLuaTakesItsNumbersFromGo(t *testing.T) {
	rdb := scriptClient(t)
	cs := luaConsts()
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.name
	}
	got, err := redis.NewScript(luaPrologue+"return {"+strings.Join(names, ", ")+"}").Run(context.Background(), rdb, nil).Int64Slice()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		if i >= len(got) || got[i] != c.val {
			t.Errorf("Lua's %s is %v, Go's is %d", c.name, got, c.val)
		}
	}

	defined := map[string]bool{"TTL": true, "ROT": true, "GRACE": true, "IDLE": true, "KEYS": true, "ARGV": true}
	for _, c := range cs {
		defined[c.name] = true
	}
	// Every script of the directory is checked.
	lua, err := filepath.Glob("*.lua")
	if err != nil {
		t.Fatal(err)
	}
	if len(lua) != len(scriptSources) {
		t.Errorf("the directory holds %v; scriptSources lists %d", lua, len(scriptSources))
	}
	number := regexp.MustCompile(`\b\d+(\.\d+)?\b`)
	argIndex := regexp.MustCompile(`\b(KEYS|ARGV)\[\d+\]`) // positions, not numbers of the format
	constant := regexp.MustCompile(`\b[A-Z][A-Z0-9_]+\b`)
	for name, src := range scriptSources {
		if filepath.Base(name) != name || !slices.Contains(lua, name) {
			t.Errorf("%s is not a script of the directory", name)
		}
		for i, line := range strings.Split(src, "\n") {
			code := argIndex.ReplaceAllString(luaCode(line), "$1[]")
			for _, n := range number.FindAllString(code, -1) {
				if n != "0" && n != "1" && n != "256" {
					t.Errorf("%s:%d: the number %s is written into the script; take it from a Go constant (lua.go): %s", name, i+1, n, strings.TrimSpace(line))
				}
			}
			for _, c := range constant.FindAllString(code, -1) {
				if !defined[c] {
					t.Errorf("%s:%d: %s is not a constant the prologue defines", name, i+1, c)
				}
			}
		}
	}
}

// scriptSources is every .lua file of the package, by name.
var scriptSources = map[string]string{"record.lua": recordSrc, "validate.lua": validateSrc,
	"refresh.lua": refreshSrc, "users.lua": usersSrc, "create.lua": createSrc, "revokeuser.lua": revokeUserSrc,
	"listuser.lua": listUserSrc, "setclaims.lua": setClaimsSrc}

// luaCode is a line of Lua without its comment and its string literals.
func luaCode(line string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '-' && i+1 < len(line) && line[i+1] == '-':
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// TestPolicyLine: the policy's durations reach the scripts in ms.
func TestPolicyLine(t *testing.T) {
	p := session.Policy{AccessTTL: 3_000_000_000, RotateAfter: 1_000_000_000, Grace: 5_000_000_000, IdleTimeout: 3_600_000_000_000}
	if got, want := policyConsts(p), "local TTL, ROT, GRACE, IDLE = 3000, 1000, 5000, 3600000\n"; got != want {
		t.Fatalf("policy line %q, want %q", got, want)
	}
}
