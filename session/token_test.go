package session

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
)

// TestTokenVersion3: every token is written as version 3 (version, handle,
// tag, generation, issue time, flags) and reads back as itself; versions 1
// and 2, and every malformed or non-canonical spelling of version 3, are
// refused.
func TestTokenVersion3(t *testing.T) {
	var h [16]byte
	copy(h[:], "0123456789abcdef")
	tag := userTag("alice")
	for name, tok := range map[string]token{
		"refresh token":                {handle: h, tag: tag, gen: 3},
		"access token":                 {handle: h, tag: tag, gen: 3, issued: 1_795_253_061_123},
		"access token, refresh to use": {handle: h, tag: tag, gen: 1 << 40, issued: 1_795_253_061_123, pending: true},
		"pending, issue time unknown":  {handle: h, tag: tag, gen: 2, pending: true},
		"generation 0, no tag":         {handle: h},
	} {
		b := tok.marshal()
		if b[0] != tokenV3 || !bytes.Equal(b[1:17], h[:]) || !bytes.Equal(b[17:21], tok.tag[:]) {
			t.Errorf("%s: wire form %x", name, b)
		}
		got, err := unmarshalToken(b)
		if err != nil || got != tok {
			t.Errorf("%s: round trip gave %+v, %v", name, got, err)
		}
	}
	refresh := token{handle: h, tag: tag, gen: 3}.marshal()
	if want := append(append(append([]byte{3}, h[:]...), tag[:]...), 3, 0, 0); !bytes.Equal(refresh, want) {
		t.Errorf("refresh token %x, want %x", refresh, want)
	}
	v3 := token{handle: h, tag: tag, gen: 3, issued: 1_795_253_061_123}.marshal()
	for name, b := range map[string][]byte{
		"version 1 (no tag)":      append(append([]byte{1}, h[:]...), 3),
		"version 2 (no tag)":      append(append([]byte{2}, h[:]...), v3[21:]...),
		"version 4":               append([]byte{4}, v3[1:]...),
		"no tag":                  append(append([]byte{3}, h[:]...), 3, 0, 0),
		"no flags byte":           v3[:len(v3)-1],
		"no issue time":           v3[:22],
		"unknown flag":            append(append([]byte{}, v3[:len(v3)-1]...), 2),
		"trailing byte":           append(append([]byte{}, v3...), 0),
		"non-minimal generation":  append(append([]byte{}, v3[:21]...), 0x83, 0x00, 0, 0),
		"non-minimal issue time":  append(append([]byte{}, v3[:22]...), 0x80, 0x00, 1),
		"empty":                   {},
		"version byte only":       {3},
		"overflowing generation":  append(append([]byte{}, v3[:21]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0),
		"truncated in the handle": v3[:10],
	} {
		if _, err := unmarshalToken(b); err == nil {
			t.Errorf("%s: accepted %x", name, b)
		}
	}
}

// A cookie of version 1 or 2, validly encrypted and authenticated with the
// current keys, is refused (ErrUnknown): sessions from before version 3
// end at the upgrade, and the store is never asked about them.
func TestOldTokenVersionsRefused(t *testing.T) {
	m, err := NewManager(testConfig(t), panicStore{})
	if err != nil {
		t.Fatal(err)
	}
	var h [16]byte
	copy(h[:], "0123456789abcdef")
	for name, raw := range map[string][]byte{
		"version 1": append(append([]byte{1}, h[:]...), 3),
		"version 2": append(append([]byte{2}, h[:]...), 3, 0x80, 0x01, 1),
	} {
		v, err := securecookie.EncodeMulti(m.cfg.AccessCookieName, raw, m.codec.codecs...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.ValidateAny(context.Background(), []string{v}); !errors.Is(err, ErrUnknown) {
			t.Errorf("%s: ValidateAny = %v, want ErrUnknown", name, err)
		}
		if _, err := m.InspectAccess(v); !errors.Is(err, ErrUnknown) {
			t.Errorf("%s: InspectAccess = %v, want ErrUnknown", name, err)
		}
	}
}

// A session id is the user's tag followed by 24 hex digits of
// SHA-256(handle): 32 lower-case hex digits in all.
func TestSessionIDBeginsWithUserTag(t *testing.T) {
	var h [16]byte
	copy(h[:], "0123456789abcdef")
	tok := token{handle: h, tag: userTag("alice"), gen: 1}
	id := tok.sessionID()
	sum := sha256.Sum256(h[:])
	if want := UserTag("alice") + hex.EncodeToString(sum[:12]); id != want || !IsSessionID(id) {
		t.Fatalf("session id %q, want %q", id, want)
	}
	if UserTag("alice") != "2bd806c9" || len(UserTag("")) != UserTagLen {
		t.Fatalf("UserTag(alice) = %q", UserTag("alice"))
	}
	if other := (token{handle: h, tag: userTag("bob")}).sessionID(); other[UserTagLen:] != id[UserTagLen:] || other[:UserTagLen] == id[:UserTagLen] {
		t.Fatalf("same handle, other user: %q vs %q", other, id)
	}
}

// An access cookie with both hints stays far inside a cookie's budget.
func TestAccessCookieSize(t *testing.T) {
	c, _ := testCodec(t)
	var h [16]byte
	v, err := c.encode("sAccessToken", token{handle: h, tag: userTag("u"), gen: 1 << 40, issued: uint64(time.Now().UnixMilli()), pending: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(v) > 230 {
		t.Fatalf("access cookie value is %d bytes", len(v))
	}
}

// fakeCodec is a securecookie.Codec whose Decode fails with err.
type fakeCodec struct{ err error }

func (fakeCodec) Encode(string, any) (string, error) { return "", errors.New("unused") }
func (f fakeCodec) Decode(string, string, any) error { return f.err }

// decodeOnly is securecookie's own decode error (the MAC did not verify).
var decodeOnly = securecookie.ErrMacInvalid

// TestCodecFailureIsNotUnknown: a cookie that does not decode is untrusted
// input, ErrUnknown (401); a codec that fails — a key securecookie refuses,
// no codec at all, an internal error, an error that is not securecookie's —
// is a *StoreError wrapping ErrCodec (5xx, no cookie changed), so a key bug
// never looks like every user being logged out.
func TestCodecFailureIsNotUnknown(t *testing.T) {
	good, _ := testCodec(t)
	badKey := securecookie.New(make([]byte, 32), []byte("not an AES key")) // a usage error on every call
	for name, tc := range map[string]struct {
		c       codec
		unknown bool
	}{
		"good codec, garbage cookie":          {good, true},
		"decode errors only":                  {codec{codecs: []securecookie.Codec{fakeCodec{decodeOnly}, fakeCodec{decodeOnly}}}, true},
		"a key securecookie refuses":          {codec{codecs: []securecookie.Codec{badKey}}, false},
		"a refused key after a good one":      {codec{codecs: append(append([]securecookie.Codec{}, good.codecs...), badKey)}, false},
		"no codec":                            {codec{}, false},
		"an internal error":                   {codec{codecs: []securecookie.Codec{fakeCodec{internalErr{}}}}, false},
		"an error that is not securecookie's": {codec{codecs: []securecookie.Codec{fakeCodec{errors.New("boom")}}}, false},
	} {
		_, err := tc.c.decode("sAccessToken", "bm90IGEgY29va2ll")
		switch {
		case tc.unknown && !errors.Is(err, ErrUnknown):
			t.Errorf("%s: got %v, want ErrUnknown", name, err)
		case !tc.unknown && (errors.Is(err, ErrUnknown) || !errors.Is(err, ErrStore) || !errors.Is(err, ErrCodec)):
			t.Errorf("%s: got %v, want a store failure wrapping ErrCodec", name, err)
		}
	}

	// Through the Manager: every entry point that decodes a cookie answers
	// a codec failure as a failure, not as "no session".
	m, err := NewManager(testConfig(t), panicStore{})
	if err != nil {
		t.Fatal(err)
	}
	m.codec = codec{codecs: []securecookie.Codec{badKey}}
	ctx := context.Background()
	if _, err := m.ValidateAny(ctx, []string{"junk"}); !errors.Is(err, ErrCodec) || !errors.Is(err, ErrStore) {
		t.Errorf("ValidateAny: %v", err)
	}
	if _, err := m.RefreshAny(ctx, []string{"junk"}); !errors.Is(err, ErrCodec) || !errors.Is(err, ErrStore) {
		t.Errorf("RefreshAny: %v", err)
	}
	if _, err := m.SignOut(ctx, []string{"junk"}); !errors.Is(err, ErrCodec) || !errors.Is(err, ErrStore) {
		t.Errorf("SignOut: %v", err)
	}
	if _, err := m.Create(ctx, CreateInput{UserID: "u", Previous: []string{"junk"}}); !errors.Is(err, ErrCodec) {
		t.Errorf("Create with a previous cookie: %v", err)
	}
	if _, err := m.InspectAccess("junk"); !errors.Is(err, ErrCodec) {
		t.Errorf("InspectAccess: %v", err)
	}
}

type internalErr struct{}

func (internalErr) Error() string    { return "internal" }
func (internalErr) IsUsage() bool    { return false }
func (internalErr) IsDecode() bool   { return false }
func (internalErr) IsInternal() bool { return true }
func (internalErr) Cause() error     { return nil }

func testConfig(t *testing.T) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Keys = testKeys(t)
	return cfg
}

// panicStore is a Store no test may reach.
type panicStore struct{ Store }

// stateStore answers every Validate with st, for the id it was given
// unless answerFor says otherwise, and records what it was given.
type stateStore struct {
	panicStore
	st        State
	got       Access
	gotID     ID
	answerFor func(ID) string // the State's SessionID; nil: the id given
}

func (s *stateStore) Validate(_ context.Context, id ID, a Access, _ time.Time, _ Policy) (State, error) {
	s.got, s.gotID = a, id
	st := s.st
	st.SessionID = id.String()
	if s.answerFor != nil {
		st.SessionID = s.answerFor(id)
	}
	return st, nil
}

// liveStateManager returns a Manager at a fixed instant over a stateStore
// that finds a live session of user "u" at access generation 4, with the
// access token of that session under handle h and its cookie value.
func liveStateManager(t *testing.T, h [16]byte) (*Manager, *stateStore, token, string) {
	t.Helper()
	cfg := testConfig(t)
	now := time.UnixMilli(1_795_253_061_000)
	st := &stateStore{st: State{UserID: "u", AccessGen: 4, AccessIssued: now, AbsoluteEnd: now.Add(time.Hour), IdleExpiresAt: now.Add(time.Hour)}}
	m, err := NewManager(cfg, st, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	tok := accessToken(h, userTag("u"), st.st)
	cookie, err := m.codec.encode(cfg.AccessCookieName, tok)
	if err != nil {
		t.Fatal(err)
	}
	return m, st, tok, cookie
}

// The Manager hands the store the cookie's session id and takes the id
// string from the store's answer; an answer for another session (or for
// none) is a store failure, never a validation.
func TestValidateSessionIDFromStore(t *testing.T) {
	m, st, tok, cookie := liveStateManager(t, [16]byte{1, 2, 3})
	v, err := m.Validate(context.Background(), cookie)
	if err != nil {
		t.Fatal(err)
	}
	if v.SessionID != tok.sessionID() || st.gotID.String() != tok.sessionID() || len(v.SessionID) != IDLen {
		t.Fatalf("session id %q, store asked for %q, want %q", v.SessionID, st.gotID.String(), tok.sessionID())
	}
	for name, answer := range map[string]func(ID) string{
		"none":      func(ID) string { return "" },
		"another":   func(ID) string { return "0123456789abcdef0123456789abcdef" },
		"truncated": func(id ID) string { return id.String()[:IDLen-1] },
	} {
		st.answerFor = answer
		v, err := m.Validate(context.Background(), cookie)
		if !errors.Is(err, ErrStore) || v != nil {
			t.Errorf("store answered for %s session: %v, %v; want ErrStore", name, v, err)
		}
	}
}

// TestValidateHintsAndNewCookies: the Manager hands the cookie's hints to
// the store, and sends a new access cookie exactly when the generation or
// the hints changed — so that the next validation takes the cheapest path.
func TestValidateHintsAndNewCookies(t *testing.T) {
	cfg := testConfig(t)
	st := &stateStore{}
	now := time.UnixMilli(1_795_253_061_000)
	m, err := NewManager(cfg, st, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	issued := now.Add(-time.Second)
	var h [16]byte
	copy(h[:], "0123456789abcdef")
	tag := userTag("u")
	cookie := func(tok token) string {
		v, err := m.codec.encode(cfg.AccessCookieName, tok)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	base := State{UserID: "u", AccessGen: 4, AccessIssued: issued, AbsoluteEnd: now.Add(time.Hour), IdleExpiresAt: now.Add(time.Hour)}
	for _, tc := range []struct {
		name      string
		tok       token
		st        func(State) State
		newCookie bool
	}{
		{"nothing changed", token{handle: h, tag: tag, gen: 4, issued: uint64(issued.UnixMilli())}, func(s State) State { return s }, false},
		{"rotated", token{handle: h, tag: tag, gen: 4, issued: uint64(issued.UnixMilli())}, func(s State) State { s.AccessGen, s.AccessIssued = 5, now; return s }, true},
		{"refresh use recorded", token{handle: h, tag: tag, gen: 4, issued: uint64(issued.UnixMilli()), pending: true}, func(s State) State { return s }, true},
		{"handed back a pending generation", token{handle: h, tag: tag, gen: 3, issued: 1}, func(s State) State { s.RefreshPending = true; return s }, true},
		{"no issue time", token{handle: h, tag: tag, gen: 4}, func(s State) State { return s }, true},
	} {
		st.st = tc.st(base)
		v, err := m.Validate(context.Background(), cookie(tc.tok))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if want := tc.tok.access(); st.got != want {
			t.Errorf("%s: store got %+v, want %+v", tc.name, st.got, want)
		}
		if (v.SetCookie != nil) != tc.newCookie {
			t.Errorf("%s: new cookie %v, want %v", tc.name, v.SetCookie != nil, tc.newCookie)
			continue
		}
		if v.SetCookie != nil {
			got, err := m.codec.decode(cfg.AccessCookieName, v.SetCookie.Value)
			if want := accessToken(h, tag, st.st); err != nil || got != want {
				t.Errorf("%s: new cookie carries %+v (%v), want %+v", tc.name, got, err, want)
			}
			if v.FrontToken == "" {
				t.Errorf("%s: a new cookie without its front-token", tc.name)
			}
		}
	}
}
