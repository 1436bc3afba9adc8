package session

import (
	"unicode"
	"unicode/utf8"
)

// ValidateNewUserID reports whether id may name the user of a new session:
// ValidateUserID's checks, and the characters a backend or a person would
// not see as part of the id (docs/protocol.md, "Handles and tokens"):
//
//   - no whitespace at either end (unicode.IsSpace: the space, tabs, line
//     breaks, U+0085, U+00A0, U+3000, ... — what strings.TrimSpace, Java's
//     strip and JavaScript's trim remove). HTTP itself strips spaces and
//     tabs around a header value, so the x-user-id header a backend reads
//     would carry another id than the session. Whitespace inside ("Jane
//     Doe") is accepted;
//   - no invisible format character (Unicode category Cf) at either end,
//     and none anywhere but the zero-width joiner and non-joiner (U+200D,
//     U+200C), which some scripts and emoji need inside a word: the
//     bidirectional controls (U+202E makes logs read backwards), the
//     zero-width space U+200B, the byte order mark U+FEFF (JavaScript's
//     trim removes it), the soft hyphen U+00AD and the tag characters make
//     two ids that look the same, or one that normalisers drop;
//   - no line or paragraph separator (U+2028, U+2029) anywhere, like the
//     control characters ValidateUserID already refuses.
//
// Manager.Create applies it. The lookups by user id (Manager.RevokeUser,
// ListUser, SetUserClaims, the sessiongate CLI) keep the looser
// ValidateUserID, so that the sessions of an id created before this check
// can still be listed and ended. The error matches ErrInvalidInput and
// names the offending code point, never the id.
func ValidateNewUserID(id string) error {
	if err := ValidateUserID(id); err != nil {
		return err
	}
	return userIDTextProblem(id)
}

// userIDTextProblem is the character check of ValidateNewUserID on its
// own: nil for an empty id, invalidf otherwise.
func userIDTextProblem(id string) error {
	if id == "" {
		return nil
	}
	if !utf8.ValidString(id) {
		return invalidf("user id is not valid UTF-8")
	}
	for _, end := range []struct {
		where string
		r     rune
	}{{"begins", firstRune(id)}, {"ends", lastRune(id)}} {
		switch {
		case unicode.IsSpace(end.r):
			return invalidf("user id %s with whitespace (U+%04X): a backend would see it trimmed; trim it before signing in", end.where, end.r)
		case unicode.Is(unicode.Cf, end.r):
			return invalidf("user id %s with an invisible format character (U+%04X)", end.where, end.r)
		}
	}
	for _, r := range id {
		switch {
		case unicode.IsControl(r):
			return invalidf("user id contains a control character (U+%04X)", r)
		case r == '\u2028' || r == '\u2029':
			return invalidf("user id contains a line or paragraph separator (U+%04X)", r)
		case unicode.Is(unicode.Cf, r) && r != '\u200C' && r != '\u200D':
			return invalidf("user id contains an invisible format character (U+%04X)", r)
		}
	}
	return nil
}

func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
func lastRune(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }
