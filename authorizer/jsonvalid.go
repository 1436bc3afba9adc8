package authorizer

import (
	"encoding/binary"
	"math/bits"
)

// maxJSONDepth is encoding/json's nesting limit: a value nested deeper is
// not valid JSON for json.Valid, so not for validJSON either.
const maxJSONDepth = 10000

// validJSON reports whether b is exactly one JSON value (RFC 8259) with
// optional white space around it: the same answer as json.Valid, which
// FuzzValidJSON holds it to. It exists for speed: an API Gateway event is
// mostly long header strings, and json.Valid's byte-at-a-time state machine
// costs about as much as the rest of the authorizer's own work, while this
// scanner runs through strings eight bytes at a time.
func validJSON(b []byte) bool {
	i := skipValue(b, skipWS(b, 0), 0)
	return i >= 0 && skipWS(b, i) == len(b)
}

// skipValue returns the index just past the JSON value that starts at b[i],
// or -1 if no valid JSON value starts there. depth is the number of
// containers around it, which counts towards maxJSONDepth. The event walker
// (decodeEvent) checks the syntax of what it reads itself and skips the
// rest with skipValue, so that an event is scanned once.
func skipValue(b []byte, i, depth int) int {
	// stack holds the open containers, '{' or '['. The fixed array covers
	// every real event without allocating; deeper input grows it.
	var buf [32]byte
	stack := buf[:0]
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return -1
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if depth+len(stack) >= maxJSONDepth {
				return -1
			}
			i = skipWS(b, i+1)
			if i < len(b) && b[i] == c+2 { // '{'+2 == '}', '['+2 == ']'
				i++
				break // an empty container is a complete value
			}
			stack = append(stack, c)
			if c == '{' {
				if i = objectKey(b, i); i < 0 {
					return -1
				}
			}
			continue
		case c == '"':
			i = stringEndStrict(b, i)
		case c == '-' || '0' <= c && c <= '9':
			i = numberEnd(b, i)
		case c == 't':
			i = literalEnd(b, i, "true")
		case c == 'f':
			i = literalEnd(b, i, "false")
		case c == 'n':
			i = literalEnd(b, i, "null")
		default:
			return -1
		}
		if i < 0 {
			return -1
		}
		// A value ended just before b[i]: close containers until one
		// continues with ',' or the outermost one closes.
		for len(stack) > 0 {
			i = skipWS(b, i)
			if i >= len(b) {
				return -1
			}
			top := stack[len(stack)-1]
			if b[i] == top+2 {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if b[i] != ',' {
				return -1
			}
			i = skipWS(b, i+1)
			if top == '{' {
				if i = objectKey(b, i); i < 0 {
					return -1
				}
			}
			break
		}
		if len(stack) == 0 {
			return i
		}
	}
}

// objectKey scans `"key" :` and the white space after it, from b[i]; it
// returns the index of the value, or -1.
func objectKey(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = stringEndStrict(b, i); i < 0 {
		return -1
	}
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipWS(b, i+1)
}

// stringEndStrict returns the index just past the JSON string that starts
// at b[i] (a '"'), or -1 if it is not a valid string: unterminated, a raw
// control character, or a bad escape. Bytes from 0x20 up, invalid UTF-8
// included, are allowed, as json.Valid allows them.
func stringEndStrict(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		j = plainEnd(b, j)
		if j >= len(b) {
			break
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1
		case c < 0x20:
			return -1
		default: // '\\'
			j++
			if j >= len(b) {
				return -1
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) {
					return -1
				}
				for _, h := range b[j+1 : j+5] {
					if !isHex(h) {
						return -1
					}
				}
				j += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// plainEnd returns the index of the first byte from b[i] on that is '"',
// '\\' or a control character (below 0x20), or len(b). It is the inner loop
// of every string scan, so it tests eight bytes at a time with the classic
// word tricks "has a zero byte" (of the word XOR the byte wanted) and "has a
// byte less than n": each sets the high bit of every byte that qualifies
// and, at worst, of bytes after the first one that does, so the lowest bit
// set marks the first byte that qualifies.
func plainEnd(b []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ (ones * '"')
		s := x ^ (ones * '\\')
		if m := ((q-ones)&^q | (s-ones)&^s | (x-ones*0x20)&^x) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// numberEnd returns the index just past the JSON number that starts at
// b[i], or -1: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. What follows
// the number is the caller's to check.
func numberEnd(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = digitsEnd(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digitsEnd(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digitsEnd(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digitsEnd(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// literalEnd returns the index just past lit at b[i], or -1.
func literalEnd(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}
