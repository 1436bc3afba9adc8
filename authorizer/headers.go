package authorizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// headerBag decodes an event's headers or multiValueHeaders object keeping
// only what the authorizer reads — every value of Cookie, rid and Origin
// (names in any letter case), in document order — instead of building a
// map of every header: decoding the event is most of the authorizer's own
// cost. The same type reads {"name":"value"} (headers) and
// {"name":["v1","v2"]} (multiValueHeaders).
type headerBag struct {
	present bool // the object had at least one entry
	entries int  // how many entries it had
	cookie  []string
	rid     []string
	origin  []string
}

var errHeaderType = errors.New("header values must be strings or arrays of strings")

// UnmarshalJSON implements json.Unmarshaler. encoding/json has already
// checked that data is well-formed JSON (Unmarshal validates the whole input
// before decoding), so the walk only has to find the boundaries of values.
func (h *headerBag) UnmarshalJSON(data []byte) error {
	*h = headerBag{}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] == 'n' { // null
		return nil
	}
	if data[0] != '{' {
		return errHeaderType
	}
	i := skipWS(data, 1)
	for i < len(data) && data[i] != '}' {
		kEnd := stringEnd(data, i)
		key := data[i:kEnd]
		i = skipWS(data, kEnd)
		i = skipWS(data, i+1) // ':'
		vEnd := valueEnd(data, i)
		if err := h.add(key, data[i:vEnd]); err != nil {
			return err
		}
		h.present = true
		h.entries++
		i = skipWS(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = skipWS(data, i+1)
		}
	}
	return nil
}

func (h *headerBag) add(rawKey, val []byte) error {
	var dst *[]string
	switch {
	case keyIs(rawKey, "cookie"):
		dst = &h.cookie
	case keyIs(rawKey, "rid"):
		dst = &h.rid
	case keyIs(rawKey, "origin"):
		dst = &h.origin
	default:
		// Still check the type, as map[string]string would.
		if val[0] != '"' && val[0] != '[' && val[0] != 'n' {
			return errHeaderType
		}
		return nil
	}
	switch val[0] {
	case '"':
		s, err := unquote(val)
		if err != nil {
			return err
		}
		*dst = append(*dst, s)
	case '[':
		i := skipWS(val, 1)
		for i < len(val) && val[i] != ']' {
			end := valueEnd(val, i)
			switch val[i] {
			case '"':
				s, err := unquote(val[i:end])
				if err != nil {
					return err
				}
				*dst = append(*dst, s)
			case 'n':
			default:
				return errHeaderType
			}
			i = skipWS(val, end)
			if i < len(val) && val[i] == ',' {
				i = skipWS(val, i+1)
			}
		}
	case 'n':
	default:
		return errHeaderType
	}
	return nil
}

// keyIs reports whether the JSON string rawKey (quotes included) is name in
// any letter case; name is lower-case ASCII.
func keyIs(rawKey []byte, name string) bool {
	if len(rawKey) == len(name)+2 {
		for i := 0; i < len(name); i++ {
			c := rawKey[i+1]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != name[i] {
				return false
			}
		}
		return true
	}
	if bytes.IndexByte(rawKey, '\\') < 0 {
		return false
	}
	s, err := unquote(rawKey) // escaped key: rare, take the slow path
	return err == nil && strings.EqualFold(s, name)
}

// unquote decodes a JSON string (quotes included).
func unquote(b []byte) (string, error) {
	inner := b[1 : len(b)-1]
	simple := true
	for _, c := range inner {
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			simple = false
			break
		}
	}
	if simple {
		return string(inner), nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string starting at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd returns the index just past the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}
