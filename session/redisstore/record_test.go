package redisstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/session/sessiontest"
)

func sampleRecord() record {
	r := record{uid: "user-Ω-1", roles: "admin,viewer", claims: `{"plan":"pro","n":1}`}
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
	} {
		t.Run(name, func(t *testing.T) {
			v, err := r.encode()
			if err != nil {
				t.Fatal(err)
			}
			if len(v) != headerLen+len(r.uid)+len(r.roles)+len(r.claims) || v[0] != recordVersion {
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
		"other version":      "\x02" + good[1:],
		"a hash field value": "1795253061000",
		"user id too long":   withField(fUserLen, uint64(len(good))),
		"roles too long":     withField(fRolesLen, uint64(len(good)-headerLen-len("user-Ω-1")+1)),
		"lengths overflow":   withField(fRolesLen, maxField),
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
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	rdb, err := NewClient(ClientConfig{URL: srv.URL(), Mode: ModeStandalone})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
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
return {f, nums, render(f, sub(v, HEADER + 1)), sub(v, HEADER + 1, HEADER + f[F_UL])}`)
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
	r.h[fUserLen], r.h[fRolesLen] = uint64(len(r.uid)), uint64(len(r.roles))
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
