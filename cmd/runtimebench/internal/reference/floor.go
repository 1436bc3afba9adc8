package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/redis/go-redis/v9"
	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

// floor is the least an authorizer meeting docs/protocol.md can do per
// REST invocation: one strict pass over the event, the access cookie read
// from its Cookie header and authenticated, one GET of the session's
// record, a fixed Allow. It checks nothing in the record (no expiry, no
// revocation, no route rule, no anti-CSRF) and writes nothing, so it is not
// an authorizer: it is what any authorizer pays before its own decisions.
type floor struct {
	sessions *session.Manager // InspectAccess: securecookie with SESSION_KEYS, no store call
	cookie   string           // the access cookie's name (session.Config.AccessCookieName)
	// The record's key is keyPrefix + session id + keySuffix: cmd/runtimebench
	// reads the two parts off the record it finds in Redis, so the store's
	// key layout is not written down twice.
	keyPrefix, keySuffix string
	get                  func(ctx context.Context, key string) error // redis.Nil when the key is not there
}

// floorEvent is a REST REQUEST event as the floor reads it, in one pass of
// encoding/json/v2 with its strict defaults (one object of valid UTF-8, no
// member name repeated anywhere, kept members of the right JSON type):
// type and methodArn are kept, the Cookie headers' values are kept, every
// other member is only validated.
type floorEvent struct {
	Type              string        `json:"type"`
	MethodArn         string        `json:"methodArn"`
	Headers           cookieHeaders `json:"headers"`
	MultiValueHeaders cookieHeaders `json:"multiValueHeaders"`
}

func (f *floor) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var ev floorEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, decodeError(err)
	}
	if ev.Type != "REQUEST" || ev.MethodArn == "" {
		return nil, errors.New("reference: not a REQUEST event with a methodArn")
	}
	// Cookies come from multiValueHeaders when the event has them, else
	// from headers (docs/protocol.md#events-and-cookies); every copy of the
	// access cookie is a candidate, parsed as the authorizer parses them.
	h := &ev.Headers
	if ev.MultiValueHeaders.present {
		h = &ev.MultiValueHeaders
	}
	var buf [4]string
	values := buf[:0]
	for _, c := range h.cookie {
		values = authorizer.AppendCookieValues(values, c, f.cookie)
	}
	// As Manager.ValidateAny: a copy that does not decode, or names no
	// record, never shadows one that does. The floor stops at the first
	// copy whose record is there; the engine also makes sure no other copy
	// names another user's session, which in the measured event, with one
	// copy, costs nothing.
	for _, v := range values {
		info, err := f.sessions.InspectAccess(v)
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(ctx, redisstore.DefaultTimeout)
		err = f.get(ctx, f.keyPrefix+info.SessionID+f.keySuffix)
		cancel()
		switch {
		case errors.Is(err, redis.Nil):
			continue
		case err != nil:
			return nil, fmt.Errorf("reference: GET: %w", err)
		}
		return allow, nil
	}
	return nil, fmt.Errorf("reference: none of %d access cookie value(s) names a record", len(values))
}

// decodeError says where the event is not strict JSON of the floor's
// shape, without the text the decoder's errors may quote from it.
func decodeError(err error) error {
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("reference: the event is not strict JSON (byte %d)", syn.ByteOffset)
	case errors.As(err, &sem):
		return fmt.Errorf("reference: a member of the event has the wrong JSON type (byte %d)", sem.ByteOffset)
	}
	return errors.New("reference: the event is not a JSON object")
}

// cookieHeaders reads a headers ({"name":"value"}) or multiValueHeaders
// ({"name":["value",…]}) object, or null, keeping the values of every
// member named Cookie in any letter case and only validating the others,
// without a map of every header.
type cookieHeaders struct {
	present bool // the object had at least one member
	cookie  []string
}

// UnmarshalJSONFrom reads the object from dec, which checks duplicate
// names and UTF-8 as it goes.
func (h *cookieHeaders) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*h = cookieHeaders{}
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return err
	}
	if tok, err := dec.ReadToken(); err != nil {
		return err
	} else if tok.Kind() != '{' {
		return errors.New("headers: not an object")
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadValue()
		if err != nil {
			return err
		}
		h.present = true
		switch {
		case !isCookie(name):
			err = dec.SkipValue()
		case dec.PeekKind() == '[':
			var vs []string
			err = json.UnmarshalDecode(dec, &vs)
			h.cookie = append(h.cookie, vs...)
		default:
			var v string
			err = json.UnmarshalDecode(dec, &v)
			h.cookie = append(h.cookie, v)
		}
		if err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// isCookie reports whether the JSON string name (quotes included) is
// "cookie" in any letter case. At equal length only ASCII letters fold to
// ASCII letters: the Kelvin sign is not a 'k'.
func isCookie(name jsontext.Value) bool {
	const want = "cookie"
	text := name[1 : len(name)-1]
	if bytes.IndexByte(text, '\\') >= 0 {
		var buf [16]byte
		text, _ = jsontext.AppendUnquote(buf[:0], name) // the decoder checked it
	}
	return len(text) == len(want) && bytes.EqualFold(text, []byte(want))
}
