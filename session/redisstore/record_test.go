package redisstore

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func sampleRecord() record {
	r := record{uid: "user-Ω-1", roles: "admin,viewer", agent: "Firefox 133 on Linux", claims: `{"plan":"pro","n":1}`}
	for i := range r.h {
		r.h[i] = uint64(1795253061000 + i)
	}
	r.h[fAccessGen], r.h[fRefreshUsed] = 7, 1
	r.h[fAbsEnd] = maxField
	return r
}

func TestRecordRoundTrip(t *testing.T) {
	for name, r := range map[string]record{
		"full":        sampleRecord(),
		"zero":        {},
		"empty roles": {uid: "u", claims: "{}"},
		"no agent":    {uid: "u", roles: "a", claims: "{}"},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := r.encode()
			if err != nil {
				t.Fatal(err)
			}
			if len(v) != headerLen+len(r.uid)+len(r.roles)+len(r.agent)+len(r.claims) || v[0] != recordVersion {
				t.Fatalf("encoded %q", v)
			}
			got, err := decodeRecord(v)
			if err != nil {
				t.Fatal(err)
			}
			if got != r.encoded() {
				t.Fatalf("decoded %+v, want %+v", got, r)
			}
		})
	}
}

func TestRecordRejects(t *testing.T) {
	good, err := sampleRecord().encode()
	if err != nil {
		t.Fatal(err)
	}
	withField := func(i int, n uint64) string {
		b := []byte(good)
		for k := 0; k < fieldBytes; k++ {
			b[1+i*fieldBytes+k] = byte(n >> (8 * (fieldBytes - 1 - k)))
		}
		return string(b)
	}
	for name, v := range map[string]string{
		"empty":              "",
		"short header":       good[:headerLen-1],
		"version 1":          "\x01" + good[1:],
		"version 3":          "\x03" + good[1:],
		"a hash field value": "1795253061000",
		"user id too long":   withField(fUserLen, uint64(len(good))),
		"roles too long":     withField(fRolesLen, uint64(len(good)-headerLen-len("user-Ω-1")+1)),
		"agent too long":     withField(fAgentLen, uint64(len(good)-headerLen-len("user-Ω-1")-len("admin,viewer")+1)),
		"lengths overflow":   withField(fRolesLen, maxField),
		"agent overflow":     withField(fAgentLen, maxField),
	} {
		if _, err := decodeRecord(v); !errors.Is(err, errRecord) {
			t.Errorf("%s: got %v, want errRecord", name, err)
		}
	}
	big := sampleRecord()
	big.h[fAccessGen] = maxField + 1
	if _, err := big.encode(); !errors.Is(err, errRecord) {
		t.Errorf("field above 2^48-1 encoded: %v", err)
	}
}

// TestRecordLuaMatchesGo runs record.lua's helpers in a real redis-server:
// Lua reads every field of a record Go encoded, and renders the same header
// from them, so the two halves of the format cannot drift apart.
func TestRecordLuaMatchesGo(t *testing.T) {
	rdb := scriptClient(t)
	ctx := context.Background()
	r := sampleRecord()
	v, err := r.encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, "rec", v, 0).Err(); err != nil {
		t.Fatal(err)
	}
	probe := script("", `
local v = load(KEYS[1])
local f = fields(v)
local nums = {}
for i = 1, NFIELDS do nums[i] = num(v, i) end
return {f, nums, render(f, sub(v, HEADER + 1)), sub(v, HEADER + 1, HEADER + f[F_UL]),
  sub(v, HEADER + f[F_UL] + f[F_RLL] + 1, HEADER + f[F_UL] + f[F_RLL] + f[F_AGL])}`)
	res, err := probe.Run(ctx, rdb, []string{"rec"}).Slice()
	if err != nil {
		t.Fatal(err)
	}
	for k, how := range []string{"fields(v)", "num(v, i)"} {
		got := res[k].([]any)
		for i, want := range r.encoded().h {
			if n, _ := got[i].(int64); len(got) != numFields || uint64(n) != want {
				t.Errorf("field %d: Lua's %s read %v, want %d", i, how, got[i], want)
			}
		}
	}
	if res[2] != v {
		t.Errorf("Lua's record differs from Go's:\n%q\n%q", res[2], v)
	}
	if res[3] != r.uid {
		t.Errorf("Lua's user id %q, want %q", res[3], r.uid)
	}
	if res[4] != r.agent {
		t.Errorf("Lua's agent %q, want %q", res[4], r.agent)
	}

	// A value that is not a record fails the script: a store error, never
	// "no session".
	if err := rdb.Set(ctx, "rec", "not a record", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := probe.Run(ctx, rdb, []string{"rec"}).Result(); err == nil || !strings.Contains(err.Error(), "malformed session record") {
		t.Fatalf("malformed record: got %v", err)
	}
}

// encoded is r with its length fields set, as encode writes them.
func (r record) encoded() record {
	r.h[fUserLen], r.h[fRolesLen], r.h[fAgentLen] = uint64(len(r.uid)), uint64(len(r.roles)), uint64(len(r.agent))
	return r
}

// FuzzDecodeRecord: a record read from Redis is decoded without a panic,
// and whatever decodes encodes back to the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	good, _ := sampleRecord().encode()
	f.Add(good)
	f.Add("")
	f.Add(good[:headerLen])
	f.Fuzz(func(t *testing.T, v string) {
		r, err := decodeRecord(v)
		if err != nil {
			return
		}
		back, err := r.encode()
		if err != nil {
			t.Fatalf("decoded record does not encode: %v", err)
		}
		if back != v {
			t.Fatalf("round trip changed the record:\n%q\n%q", v, back)
		}
	})
}

// TestLiveAgreesWithLua: record.live (Info, decided in Go) and users.lua's
// alive (create.lua, listuser.lua) give the same answer for records around
// both of their boundaries, the absolute end and the idle timeout.
func TestLiveAgreesWithLua(t *testing.T) {
	rdb := scriptClient(t)
	ctx := context.Background()
	probe := userScript("return alive(load(KEYS[1]), tonumber(ARGV[1])) and 1 or 0")
	const now = int64(1795253061000)
	seen := map[bool]int{}
	for _, ab := range []int64{now - 1, now, now + 1, now + 3_600_000} {
		for _, idleAgo := range []int64{-5, 0, 999, 1000, 1001, 5000} {
			for _, it := range []int64{1, 1000, 3_600_000} {
				r := sampleRecord()
				r.h[fAbsEnd], r.h[fLastActive], r.h[fIdleTimeout] = uint64(ab), uint64(now-idleAgo), uint64(it)
				v, err := r.encode()
				if err != nil {
					t.Fatal(err)
				}
				if err := rdb.Set(ctx, "rec", v, 0).Err(); err != nil {
					t.Fatal(err)
				}
				got, err := probe.Run(ctx, rdb, []string{"rec"}, now).Int()
				if err != nil {
					t.Fatal(err)
				}
				want := r.live(now)
				if (got == 1) != want {
					t.Fatalf("ab %d, last active %d ago, idle %d: Lua says %d, Go %v", ab-now, idleAgo, it, got, want)
				}
				seen[want]++
			}
		}
	}
	if seen[true] == 0 || seen[false] == 0 {
		t.Fatalf("the cases reach one answer only: %v", seen)
	}
}
