package authorizer

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/sessiongate/sessiongate/session"
)

// event is every authorizer event in one typed struct: REST REQUEST
// (events.APIGatewayCustomAuthorizerRequestTypeRequest, also HTTP API
// payload 1.0), HTTP API 2.0 REQUEST (events.APIGatewayV2CustomAuthorizerV2Request)
// and TOKEN (events.APIGatewayCustomAuthorizerRequest), under their JSON
// names (docs/apigateway.md#rest-authorizer-payload). It holds the members
// the authorizer reads; decodeEvent checks and skips the others.
type event struct {
	Type               string `json:"type"`    // REQUEST or TOKEN
	Version            string `json:"version"` // "" or "1.0" (REST), "2.0" (HTTP API)
	MethodArn          string `json:"methodArn"`
	RouteArn           string `json:"routeArn"`
	AuthorizationToken string `json:"authorizationToken"` // TOKEN only; never logged
	// REST: the request path (with a custom domain's base path) and method.
	Path       string `json:"path"`
	HTTPMethod string `json:"httpMethod"`
	// HTTP API 2.0: the path as sent, with the stage unless it is $default.
	RawPath string `json:"rawPath"`
	// Headers is {"name":"value"}; MultiValueHeaders (REST) is
	// {"name":["value",…]} and holds every copy of a repeated header.
	Headers           headerBag  `json:"headers"`
	MultiValueHeaders headerBag  `json:"multiValueHeaders"`
	Cookies           stringList `json:"cookies"` // HTTP API 2.0: one "name=value" per cookie
	RequestContext    struct {
		RequestID string `json:"requestId"`
		Stage     string `json:"stage"`
		HTTP      struct {
			Method string `json:"method"`
			Path   string `json:"path"`
		} `json:"http"` // HTTP API 2.0
	} `json:"requestContext"`
}

// decodeEvent decodes an event into ev, which must be the zero event, with
// encoding/json/v2's strict defaults: one JSON object of valid UTF-8, no
// member name repeated anywhere (skipped members included), every member
// the struct names of the JSON type its field reads, names matched
// exactly. The error, which is logged, says what is wrong and where, but
// quotes nothing from the event.
func decodeEvent(data []byte, ev *event) error {
	if err := json.Unmarshal(data, ev); err != nil {
		return describe(err)
	}
	return nil
}

// describe rewrites a decoding error without the text the decoder's own
// errors may quote (a member name, a value).
func describe(err error) error {
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return fmt.Errorf("a member name is repeated (byte %d)", syn.ByteOffset)
	case errors.As(err, &syn):
		return fmt.Errorf("not valid JSON or not UTF-8 (byte %d)", syn.ByteOffset)
	case errors.As(err, &sem):
		return fmt.Errorf("%s has the wrong JSON type (byte %d)", memberOf(sem.JSONPointer), sem.ByteOffset)
	}
	return errors.New("not a JSON object")
}

// eventMembers are the names of the event's members.
var eventMembers = []string{"type", "version", "methodArn", "routeArn", "authorizationToken", "path",
	"httpMethod", "rawPath", "headers", "multiValueHeaders", "cookies", "requestContext"}

// memberOf names the member of the event that p points into; names below
// it (a header's) are the client's and are left out.
func memberOf(p jsontext.Pointer) string {
	top, _, _ := strings.Cut(strings.TrimPrefix(string(p), "/"), "/")
	if slices.Contains(eventMembers, top) {
		return "member " + top
	}
	return "the event"
}

// errWrongType: a header or cookie holds a JSON value of the wrong type.
var errWrongType = errors.New("wrong JSON type")

// stringList reads a JSON array of strings (null elements skipped), a lone
// string (one element) or null (none). The first four elements are stored
// without allocating a slice.
type stringList struct {
	n     int
	first [4]string
	more  []string
}

// at returns the i-th element.
func (l *stringList) at(i int) string {
	if i < len(l.first) {
		return l.first[i]
	}
	return l.more[i-len(l.first)]
}

// next returns where the next element goes.
func (l *stringList) next() *string {
	l.n++
	if l.n <= len(l.first) {
		return &l.first[l.n-1]
	}
	l.more = append(l.more, "")
	return &l.more[len(l.more)-1]
}

// UnmarshalJSONFrom appends the strings of one JSON value.
func (l *stringList) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	_, _, err := readStrings(dec, l, "")
	return err
}

// headerBag reads a headers or multiValueHeaders object without a map of
// every header: it keeps the values of Cookie, Origin and Authorization,
// counts those of rid, and counts the st-auth-mode values that ask for
// header mode (names in any letter case), in order. Every header's value
// must be a string, an array of strings and nulls, or null.
type headerBag struct {
	present       bool // the object had at least one member
	cookie        stringList
	origin        stringList
	authorization stringList // never logged
	rid           int
	headerMode    int // st-auth-mode values equal to "header"
}

// Header names as nameIs compares them: lower case.
const (
	nameCookie        = "cookie"
	nameOrigin        = "origin"
	nameAuthorization = "authorization" // session.HeaderAuthorization
	nameRID           = "rid"
	nameAuthMode      = session.HeaderAuthMode
)

// UnmarshalJSONFrom reads a headers object or null.
func (h *headerBag) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*h = headerBag{}
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		return err
	case '{':
	default:
		return typeError(dec)
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadValue()
		if err != nil {
			return err
		}
		h.present = true
		var into *stringList // nil: the values are only checked (and counted)
		match := ""          // with into nil: count the values equal to match
		switch {
		case nameIs(name, nameCookie):
			into = &h.cookie
		case nameIs(name, nameOrigin):
			into = &h.origin
		case nameIs(name, nameAuthorization):
			into = &h.authorization
		case nameIs(name, nameAuthMode):
			match = session.AuthModeHeader
		}
		isRID := into == nil && match == "" && nameIs(name, nameRID)
		n, matched, err := readStrings(dec, into, match)
		if err != nil {
			return err
		}
		if isRID {
			h.rid += n
		}
		h.headerMode += matched
	}
	_, err := dec.ReadToken()
	return err
}

// readStrings reads a JSON string, an array of strings and nulls, or null,
// appends the strings to l (unless l is nil) and returns how many there
// were. With l nil and match not empty, it also counts the strings equal to
// match (valueIs), without decoding them into Go strings. Strings are
// decoded by encoding/json/v2 (UnmarshalDecode).
func readStrings(dec *jsontext.Decoder, l *stringList, match string) (n, matched int, err error) {
	array := dec.PeekKind() == '['
	if array {
		if _, err := dec.ReadToken(); err != nil {
			return 0, 0, err
		}
	}
	for !array || dec.PeekKind() != ']' {
		switch dec.PeekKind() {
		case 'n':
			_, err = dec.ReadToken()
		case '"':
			n++
			switch {
			case l != nil:
				err = json.UnmarshalDecode(dec, l.next())
			case match != "":
				var v jsontext.Value
				if v, err = dec.ReadValue(); err == nil && valueIs(v, match) {
					matched++
				}
			default:
				err = dec.SkipValue()
			}
		default:
			err = typeError(dec)
		}
		if err != nil || !array {
			return n, matched, err
		}
	}
	_, err = dec.ReadToken()
	return n, matched, err
}

// typeError is errWrongType for the value dec is at, unless that value is
// not even valid JSON: the syntax error wins.
func typeError(dec *jsontext.Decoder) error {
	if _, err := dec.ReadValue(); err != nil {
		return err
	}
	return errWrongType
}

// nameIs reports whether the JSON string name (quotes included) is want, a
// lower-case ASCII name, in any letter case. At equal length only ASCII
// letters can fold to ASCII letters: the Kelvin sign is not a 'k'.
func nameIs(name jsontext.Value, want string) bool {
	text := name[1 : len(name)-1]
	if bytes.IndexByte(text, '\\') >= 0 {
		var buf [16]byte
		text, _ = jsontext.AppendUnquote(buf[:0], name) // the decoder checked it
	}
	return len(text) == len(want) && bytes.EqualFold(text, []byte(want))
}

// valueIs reports whether the JSON string v (quotes included), without
// leading and trailing spaces and tabs, is want, a lower-case ASCII word,
// in any letter case (a header value such as st-auth-mode's).
func valueIs(v jsontext.Value, want string) bool {
	text := v[1 : len(v)-1]
	if bytes.IndexByte(text, '\\') >= 0 {
		var buf [32]byte
		text, _ = jsontext.AppendUnquote(buf[:0], v) // the decoder checked it
	}
	text = bytes.Trim(text, " \t")
	return len(text) == len(want) && bytes.EqualFold(text, []byte(want))
}
