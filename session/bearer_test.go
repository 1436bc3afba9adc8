package session_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/session"
)

// tok looks like a token the codec writes: base64url with "=" padding.
const tok = "MTcwMDAwMDAwMHxhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ei1fMDEyMzQ1Njc4OQ=="

func TestParseBearer(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        string // the token, when err is nil
		err         error
	}{
		{"canonical", "Bearer " + tok, tok, nil},
		{"lower-case scheme", "bearer " + tok, tok, nil},
		{"upper-case scheme", "BEARER " + tok, tok, nil},
		{"several spaces, outer whitespace", " \tBearer   " + tok + " \t", tok, nil},
		{"all b64token characters", "Bearer aZ09-._~+/==", "aZ09-._~+/==", nil},
		{"longest token", "Bearer " + strings.Repeat("a", session.MaxBearerToken), strings.Repeat("a", session.MaxBearerToken), nil},

		{"absent", "", "", session.ErrNoSession},
		{"whitespace only", " \t ", "", session.ErrNoSession},
		{"another scheme", "Basic dXNlcjpwYXNz", "", session.ErrNoSession},
		{"a signature scheme", "AWS4-HMAC-SHA256 Credential=x/y, SignedHeaders=host, Signature=ab", "", session.ErrNoSession},

		{"no scheme: bare token", tok, "", session.ErrMalformedBearer},
		{"scheme alone", "Bearer", "", session.ErrMalformedBearer},
		{"scheme and spaces", "Bearer   ", "", session.ErrMalformedBearer},
		{"two tokens", "Bearer " + tok + " " + tok, "", session.ErrMalformedBearer},
		{"two credentials comma-joined", "Bearer " + tok + ",Bearer " + tok, "", session.ErrMalformedBearer},
		{"10 KB", "Bearer " + strings.Repeat("a", 10<<10), "", session.ErrMalformedBearer},
		{"one byte too long", "Bearer " + strings.Repeat("a", session.MaxBearerToken+1), "", session.ErrMalformedBearer},
		{"non-ASCII", "Bearer tökén", "", session.ErrMalformedBearer},
		{"invalid UTF-8", "Bearer \xff\xfe", "", session.ErrMalformedBearer},
		{"control character", "Bearer ab\x00cd", "", session.ErrMalformedBearer},
		{"tab between scheme and token", "Bearer\t" + tok, "", session.ErrMalformedBearer},
		{"padding in the middle", "Bearer ab=cd", "", session.ErrMalformedBearer},
		{"padding only", "Bearer ==", "", session.ErrMalformedBearer},
		{"a cookie value", "sAccessToken=" + tok, "", session.ErrMalformedBearer},
		{"a Cookie header", "sAccessToken=" + tok + "; sRefreshToken=" + tok, "", session.ErrMalformedBearer},
		{"a cookie value after Bearer", "Bearer sAccessToken=" + tok, "", session.ErrMalformedBearer},
		{"quoted token", `Bearer "` + tok + `"`, "", session.ErrMalformedBearer},
		{"non-ASCII scheme", "Bеarer " + tok, "", session.ErrMalformedBearer}, // Cyrillic е
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := session.ParseBearer(tc.value)
			if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("ParseBearer = %q, %v; want %q, %v", clip(got), err, clip(tc.want), tc.err)
			}
			if err != nil && strings.Contains(err.Error(), tok) {
				t.Fatal("the error text carries the value")
			}
			if isBearer := tc.err != session.ErrNoSession; session.IsBearer(tc.value) != isBearer {
				t.Fatalf("IsBearer = %v, want %v", !isBearer, isBearer)
			}
		})
	}
	// A malformed bearer credential is an unknown session to every caller
	// that branches on the Manager's outcomes.
	if !errors.Is(session.ErrMalformedBearer, session.ErrUnknown) {
		t.Fatal("ErrMalformedBearer must wrap ErrUnknown")
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// The oracle states ParseBearer's rules as regular expressions, written
// independently of its hand-written scanner.
var (
	reBearer = regexp.MustCompile(`^(?i:bearer) +([A-Za-z0-9._~+/-]+=*)$`)
	reScheme = regexp.MustCompile("^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ")
)

func oracle(v string) (string, error) {
	v = strings.Trim(v, " \t")
	if v == "" {
		return "", session.ErrNoSession
	}
	if m := reBearer.FindStringSubmatch(v); m != nil && len(m[1]) <= session.MaxBearerToken {
		return m[1], nil
	}
	if m := reScheme.FindStringSubmatch(v); m != nil && !strings.EqualFold(m[1], "bearer") {
		return "", session.ErrNoSession
	}
	return "", session.ErrMalformedBearer
}

func FuzzParseBearer(f *testing.F) {
	for _, s := range []string{
		"Bearer " + tok, "bearer " + tok, "Bearer", "Bearer ", " Bearer  x ", "Basic abc", tok,
		"Bearer a b", "Bearer a,Bearer b", "Bearer tökén", "sAccessToken=" + tok, "Bearer ab=cd",
		"Bearer\tx", "", "\t", "Bearer " + strings.Repeat("a", session.MaxBearerToken+1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := session.ParseBearer(v)
		want, werr := oracle(v)
		if got != want || err != werr {
			t.Fatalf("ParseBearer(%q) = %q, %v; oracle %q, %v", v, got, err, want, werr)
		}
		if session.IsBearer(v) != (err != session.ErrNoSession) {
			t.Fatalf("IsBearer(%q) disagrees with ParseBearer's %v", v, err)
		}
		if err != nil {
			return
		}
		// A token round-trips through the form the SDK writes, and is
		// part of the input (never built from anything else).
		if again, err := session.ParseBearer("Bearer " + got); err != nil || again != got {
			t.Fatalf("round trip of %q: %q, %v", got, again, err)
		}
		if !strings.Contains(v, got) {
			t.Fatalf("token %q is not in the input %q", got, v)
		}
	})
}

// The three outcomes of ParseBearer: a token, "not a bearer credential"
// (cookies decide), and a malformed bearer credential (an unknown session).
func ExampleParseBearer() {
	for _, v := range []string{"Bearer abc-123_x==", "bearer abc", "Basic dXNlcjpwYXNz", "", "Bearer a b", "sAccessToken=abc"} {
		tok, err := session.ParseBearer(v)
		switch {
		case err == nil:
			fmt.Printf("%-20q token %q\n", v, tok)
		case errors.Is(err, session.ErrMalformedBearer):
			fmt.Printf("%-20q malformed: 401\n", v)
		case errors.Is(err, session.ErrNoSession):
			fmt.Printf("%-20q no bearer credential\n", v)
		}
	}
	// Output:
	// "Bearer abc-123_x==" token "abc-123_x=="
	// "bearer abc"         token "abc"
	// "Basic dXNlcjpwYXNz" no bearer credential
	// ""                   no bearer credential
	// "Bearer a b"         malformed: 401
	// "sAccessToken=abc"   malformed: 401
}
