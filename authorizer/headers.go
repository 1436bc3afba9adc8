package authorizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// headerBag reads an event's headers or multiValueHeaders object keeping
// only what the authorizer reads — the values of Cookie and Origin and how
// many values rid has (names in any letter case), in document order —
// instead of building a map of every header: decoding the event is most of
// the authorizer's own cost. The values stay JSON strings, slices of the
// event, until parse decodes those of the one bag it reads. The same type
// reads {"name":"value"} (headers) and {"name":["v1","v2"]}
// (multiValueHeaders).
type headerBag struct {
	present bool // the object had at least one entry
	entries int  // how many entries it had
	cookie  jsonStrings
	origin  jsonStrings
	rid     int
}

// jsonStrings holds JSON strings (quotes included) in order, the first two
// without allocating.
type jsonStrings struct {
	n     int
	first [2][]byte
	more  [][]byte
}

func (s *jsonStrings) add(raw []byte) {
	if s.n < len(s.first) {
		s.first[s.n] = raw
	} else {
		s.more = append(s.more, raw)
	}
	s.n++
}

// at returns the i-th string, still quoted and escaped.
func (s *jsonStrings) at(i int) []byte {
	if i < len(s.first) {
		return s.first[i]
	}
	return s.more[i-len(s.first)]
}

// decoded returns the i-th string decoded. The strings were checked when
// they were read, so decoding cannot fail.
func (s *jsonStrings) decoded(i int) string {
	v, _ := unquote(s.at(i))
	return v
}

var errHeaderType = errors.New("header values must be strings or arrays of strings")

// UnmarshalJSON implements json.Unmarshaler, for the tests, which hold
// decode to encoding/json's decoding into maps.
func (h *headerBag) UnmarshalJSON(data []byte) error {
	data = bytes.Clone(data) // the bag keeps slices of it
	end, err := h.decode(data, skipWS(data, 0), 0)
	if err == nil && skipWS(data, end) != len(data) {
		err = errNotObject
	}
	return err
}

// decodeField is decode for the event field called field: a wrong type is
// a fieldTypeError.
func (h *headerBag) decodeField(data []byte, v, depth int, field string) (int, error) {
	end, err := h.decode(data, v, depth)
	if err != nil && err != errNotObject {
		err = &fieldTypeError{field}
	}
	return end, err
}

// decode reads the headers object (or null) that starts at data[v], inside
// depth containers, and returns the index just past it.
func (h *headerBag) decode(data []byte, v, depth int) (int, error) {
	*h = headerBag{}
	switch {
	case v >= len(data):
		return v, errNotObject
	case data[v] == 'n':
		return null(data, v)
	case data[v] != '{':
		return v, errHeaderType
	}
	return walkObject(data, v, func(key []byte, v int) (int, error) {
		h.present = true
		h.entries++
		return h.add(key, data, v, depth+1)
	})
}

// add reads the value at data[v] of the header called rawKey, inside depth
// containers, and returns the index just past it.
func (h *headerBag) add(rawKey, data []byte, v, depth int) (int, error) {
	var dst *jsonStrings // nil for rid, whose values are only counted
	switch {
	case keyIs(rawKey, "cookie"):
		dst = &h.cookie
	case keyIs(rawKey, "origin"):
		dst = &h.origin
	case keyIs(rawKey, "rid"):
	default:
		// Still check the type, as map[string]string would.
		switch data[v] {
		case '"', '[', 'n':
			return skip(data, v, depth)
		}
		return v, errHeaderType
	}
	value := func(v int) (int, error) {
		end, raw, err := str(data, v)
		if err != nil {
			return end, err
		}
		if dst != nil {
			dst.add(raw)
		} else {
			h.rid++
		}
		return end, nil
	}
	switch data[v] {
	case '"':
		return value(v)
	case '[':
		return walkArray(data, v, func(e int) (int, error) {
			switch data[e] {
			case '"':
				return value(e)
			case 'n':
				return null(data, e)
			}
			return e, errHeaderType
		})
	case 'n':
		return null(data, v)
	}
	return v, errHeaderType
}

// keyIs reports whether the JSON string rawKey (quotes included) is name in
// any ASCII letter case; name is lower-case ASCII. walkObject hands over
// keys with their escapes normalised (json.Marshal of the decoded key), so
// a key that spells name has no escapes left and is exactly as long.
func keyIs(rawKey []byte, name string) bool {
	if len(rawKey) != len(name)+2 {
		return false
	}
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

// unquote decodes a JSON string (quotes included). A string without
// escapes or invalid UTF-8, the usual kind, decodes to its own bytes.
func unquote(b []byte) (string, error) {
	inner := b[1 : len(b)-1]
	if plainEnd(inner, 0) == len(inner) && utf8.Valid(inner) {
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
