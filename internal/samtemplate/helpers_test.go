package samtemplate

import (
	"errors"
	"strings"
	"testing"
)

func mustParse(t testing.TB, src string) *Template {
	t.Helper()
	tpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tpl
}

// wantErr checks that err wraps every sentinel and contains every
// substring.
func wantErr(t testing.TB, err error, sentinels []error, substrings []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v %q", sentinels, substrings)
	}
	for _, s := range sentinels {
		if !errors.Is(err, s) {
			t.Errorf("error does not wrap %q:\n%v", s, err)
		}
	}
	for _, s := range substrings {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not say %q:\n%v", s, err)
		}
	}
}

// allSentinels are the errors every error of the package wraps one of.
var allSentinels = []error{ErrInvalid, ErrParameter, ErrUnsupported, ErrNoFunction, ErrNotCreated}

// wrapsSentinel reports whether every part of err wraps a sentinel.
func wrapsSentinel(err error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !wrapsSentinel(e) {
				return false
			}
		}
		return true
	}
	for _, s := range allSentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
