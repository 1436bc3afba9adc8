package authorizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/sessiongate/sessiongate/session"
)

// encodeJSON is the encoding Lambda applies to a value a handler returns
// (lambda.NewHandler's reflection path): encoding/json without HTML
// escaping and without the trailing newline. It is the reference that
// encodeResponse is held to, and it encodes the rare responses once.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("authorizer: encoding the response: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// badEventJSON is the encoding of badEventResponse(), which never changes.
var badEventJSON = func() []byte {
	b, err := encodeJSON(badEventResponse())
	if err != nil {
		panic(err)
	}
	return b
}()

// encodeResponse is what Invoke returns for a decision: byte for byte
// encodeJSON(render(req, d)) (TestEncodeResponseMatchesJSON and
// FuzzEncodeResponse hold it to that), written by hand instead of through
// reflection, a context map and the policy structs, which cost about as much
// as decoding the event. The bytes are the caller's.
func encodeResponse(req request, d decision) ([]byte, error) {
	switch d.outcome {
	case outAllow, outDeny:
		// A response fits the stack buffer unless the session's values are
		// unusually large; then append moves it to the heap.
		var buf [2048]byte
		return bytes.Clone(appendDecision(buf[:0], req, d)), nil
	case outBadEvent:
		return bytes.Clone(badEventJSON), nil
	}
	_, err := render(req, d) // errors: the mapping stays in render
	return nil, err
}

// appendDecision appends the JSON of render's response to an Allow or a
// Deny: events.APIGatewayV2CustomAuthorizerSimpleResponse for payload 2.0,
// else events.APIGatewayCustomAuthorizerResponse with NewPolicy's policy
// (encoding/json writes struct fields in declaration order, leaves out the
// empty usageIdentifierKey and sorts the context's keys).
func appendDecision(b []byte, req request, d decision) []byte {
	if req.payload == payloadV2 {
		b = append(b, `{"isAuthorized":`...)
		b = strconv.AppendBool(b, d.outcome == outAllow)
		b = append(b, `,"context":`...)
		b = appendContext(b, d.v, d.body)
		return append(b, '}')
	}
	effect := Allow
	if d.outcome == outDeny {
		effect = Deny
	}
	b = append(b, `{"principalId":`...)
	b = appendJSONString(b, d.v.UserID)
	b = append(b, `,"policyDocument":{"Version":`...)
	b = appendJSONString(b, policyVersion)
	b = append(b, `,"Statement":[{"Action":[`...)
	b = appendJSONString(b, InvokeAction)
	b = append(b, `],"Effect":`...)
	b = appendJSONString(b, string(effect))
	b = append(b, `,"Resource":[`...)
	var arn [256]byte // most ARNs fit; a longer one moves to the heap
	b = appendJSONString(b, req.arn.appendTo(arn[:0]))
	b = append(b, `]}]},"context":`...)
	b = appendContext(b, d.v, d.body)
	return append(b, '}')
}

// appendContext appends contextFor(v, body) as encoding/json writes a map:
// keys in sorted order.
func appendContext(b []byte, v *session.Validated, body string) []byte {
	b = append(b, '{')
	if body != "" {
		b = appendJSONString(appendKey(b, CtxBody), body)
		b = append(b, ',')
	}
	b = appendJSONString(appendKey(b, CtxClaims), claimsValue(v.Claims))
	b = appendJSONString(appendKey(append(b, ','), CtxFrontToken), v.FrontToken)
	b = appendKey(append(b, ','), CtxRoles)
	// RolesValue(v.Roles), escaped piece by piece: escaping works rune by
	// rune and a ',' ends any incomplete UTF-8 sequence before it, so this
	// is the escaping of the joined string.
	b = append(b, '"')
	if len(v.Roles) == 0 {
		b = append(b, NoRoles...)
	}
	for i, r := range v.Roles {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONStringBody(b, r)
	}
	b = append(b, '"')
	b = appendJSONString(appendKey(append(b, ','), CtxSessionID), v.SessionID)
	b = appendKey(append(b, ','), CtxSetCookie)
	if v.SetCookie != nil {
		b = appendJSONString(b, v.SetCookie.String())
	} else {
		b = append(b, `""`...)
	}
	b = appendJSONString(appendKey(append(b, ','), CtxUserID), v.UserID)
	return append(b, '}')
}

// appendKey appends an object key and its colon.
func appendKey(b []byte, key string) []byte {
	return append(appendJSONString(b, key), ':')
}

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it with SetEscapeHTML(false).
func appendJSONString[S string | []byte](b []byte, s S) []byte {
	b = append(b, '"')
	b = appendJSONStringBody(b, s)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONStringBody is appendJSONString without the quotes. Like
// encoding/json it escapes '"', '\\' and control characters (\b, \f, \n,
// \r and \t by name, the others as \u00xx), replaces each byte of invalid
// UTF-8 with \ufffd, escapes U+2028 and U+2029, and copies everything else
// (with HTML escaping off, '<', '>' and '&' too).
func appendJSONStringBody[S string | []byte](b []byte, s S) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		// A string conversion of at most utf8.UTFMax bytes stays on the
		// stack (encoding/json does the same).
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(b, s[start:]...)
}
