package session

import (
	"errors"
	"strings"
	"testing"
)

// A new session's user id is refused when a backend would see another id
// (whitespace HTTP or a trim removes) or a person could not see all of it
// (format characters); lookups by user id keep accepting such ids.
func TestValidateNewUserID(t *testing.T) {
	for _, c := range []struct {
		name, id string
		want     string // "" accepts; else a part of the message
	}{
		{"plain", "alice@example.com", ""},
		{"space inside", "Jane Doe", ""},
		{"non-Latin", "ユーザー", ""},
		{"ZWNJ inside (Persian)", "می\u200Cخواهم", ""},
		{"ZWJ inside (emoji)", "a👩\u200D💻b", ""},
		{"254 bytes", strings.Repeat("é", 127), ""},

		{"leading space", " alice", "begins with whitespace (U+0020)"},
		{"trailing space", "alice ", "ends with whitespace (U+0020)"},
		{"trailing tab", "alice\t", "control character"},
		{"leading NBSP", "\u00A0alice", "begins with whitespace (U+00A0)"},
		{"trailing ideographic space", "alice\u3000", "ends with whitespace (U+3000)"},
		{"trailing NEL", "alice\u0085", "control character"},
		{"leading line separator", "\u2028alice", "begins with whitespace (U+2028)"},
		{"only spaces", "   ", "begins with whitespace"},
		{"leading BOM", "\uFEFFalice", "begins with an invisible format character (U+FEFF)"},
		{"trailing ZWJ", "alice\u200D", "ends with an invisible format character (U+200D)"},
		{"trailing zero-width space", "alice\u200B", "ends with an invisible format character (U+200B)"},
		{"zero-width space inside", "ali\u200Bce", "invisible format character (U+200B)"},
		{"RTL override inside", "ali\u202Ece", "invisible format character (U+202E)"},
		{"soft hyphen inside", "ali\u00ADce", "invisible format character (U+00AD)"},
		{"tag character inside", "ali\U000E0041ce", "invisible format character (U+E0041)"},
		{"paragraph separator inside", "ali\u2029ce", "line or paragraph separator (U+2029)"},
		{"CR inside", "bob\r\nx", "control character"},
		{"NUL inside", "bo\x00b", "control character"},
		{"empty", "", "empty"},
		{"bad UTF-8", "bob\xff", "UTF-8"},
		{"too long", strings.Repeat("x", MaxUserIDBytes+1), "more than"},
	} {
		err := ValidateNewUserID(c.id)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.want != "" && (!errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want ErrInvalidInput saying %q", c.name, err, c.want)
		case c.want != "" && c.id != "" && strings.TrimSpace(c.id) != "" && strings.Contains(err.Error(), c.id):
			t.Errorf("%s: the message repeats the id: %v", c.name, err)
		}
	}
}

// The lookups keep ValidateUserID, which still accepts an id with
// surrounding whitespace: the sessions of such an id, created before the
// check, can be listed and ended.
func TestValidateUserIDStillAcceptsLegacyIDs(t *testing.T) {
	for _, id := range []string{" alice", "alice ", "ali\u200Bce"} {
		if err := ValidateUserID(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
}
