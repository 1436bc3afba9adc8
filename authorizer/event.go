package authorizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// errNotObject: the event is not a well-formed JSON object.
var errNotObject = errors.New("not a JSON object")

// fieldTypeError names a field whose JSON type is wrong.
type fieldTypeError struct{ field string }

func (e *fieldTypeError) Error() string {
	return fmt.Sprintf("field %q has the wrong JSON type", e.field)
}

// decodeEvent fills ev from an event's JSON. It is what json.Unmarshal(data,
// ev) does for the fields the authorizer reads — the tests hold it to that,
// on real events and under fuzzing — but it walks the validated bytes once
// and skips everything else without decoding it, which halves the
// authorizer's own cost per request. Field names are matched exactly, as
// API Gateway writes them.
func decodeEvent(data []byte, ev *event) error {
	if !validJSON(data) {
		return errNotObject
	}
	data = bytes.TrimSpace(data)
	if data[0] != '{' {
		return errNotObject
	}
	return walkObject(data, func(key, val []byte) error {
		switch string(key) {
		case `"version"`:
			return setString(&ev.Version, val, "version")
		case `"type"`:
			return setString(&ev.Type, val, "type")
		case `"methodArn"`:
			return setString(&ev.MethodArn, val, "methodArn")
		case `"routeArn"`:
			return setString(&ev.RouteArn, val, "routeArn")
		case `"path"`:
			return setString(&ev.Path, val, "path")
		case `"httpMethod"`:
			return setString(&ev.HTTPMethod, val, "httpMethod")
		case `"rawPath"`:
			return setString(&ev.RawPath, val, "rawPath")
		case `"headers"`:
			if err := ev.Headers.UnmarshalJSON(val); err != nil {
				return &fieldTypeError{"headers"}
			}
		case `"multiValueHeaders"`:
			if err := ev.MultiValueHeaders.UnmarshalJSON(val); err != nil {
				return &fieldTypeError{"multiValueHeaders"}
			}
		case `"cookies"`:
			return setStrings(&ev.Cookies, val, "cookies")
		case `"requestContext"`:
			rc := &ev.RequestContext
			switch val[0] {
			case 'n':
				return nil
			case '{':
			default:
				return &fieldTypeError{"requestContext"}
			}
			return walkObject(val, func(key, val []byte) error {
				switch string(key) {
				case `"requestId"`:
					return setString(&rc.RequestID, val, "requestContext.requestId")
				case `"stage"`:
					return setString(&rc.Stage, val, "requestContext.stage")
				case `"http"`:
					switch val[0] {
					case 'n':
						return nil
					case '{':
					default:
						return &fieldTypeError{"requestContext.http"}
					}
					return walkObject(val, func(key, val []byte) error {
						switch string(key) {
						case `"method"`:
							return setString(&rc.HTTP.Method, val, "requestContext.http.method")
						case `"path"`:
							return setString(&rc.HTTP.Path, val, "requestContext.http.path")
						}
						return nil
					})
				}
				return nil
			})
		}
		return nil
	})
}

// walkObject calls fn with the raw key (quotes included) and raw value of
// every entry of the well-formed JSON object data.
func walkObject(data []byte, fn func(key, val []byte) error) error {
	i := skipWS(data, 1)
	for i < len(data) && data[i] != '}' {
		kEnd := stringEnd(data, i)
		key := data[i:kEnd]
		if bytes.IndexByte(key, '\\') >= 0 { // escaped key: rare, normalise it
			var s string
			if json.Unmarshal(key, &s) == nil {
				key, _ = json.Marshal(s)
			}
		}
		i = skipWS(data, kEnd)
		i = skipWS(data, i+1) // ':'
		vEnd := valueEnd(data, i)
		if err := fn(key, data[i:vEnd]); err != nil {
			return err
		}
		i = skipWS(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = skipWS(data, i+1)
		}
	}
	return nil
}

func setString(dst *string, val []byte, field string) error {
	switch val[0] {
	case 'n':
		return nil // null leaves the field as it was, as in encoding/json
	case '"':
		s, err := unquote(val)
		if err != nil {
			return &fieldTypeError{field}
		}
		*dst = s
		return nil
	}
	return &fieldTypeError{field}
}

func setStrings(dst *[]string, val []byte, field string) error {
	switch val[0] {
	case 'n':
		*dst = nil
		return nil
	case '[':
	default:
		return &fieldTypeError{field}
	}
	out := []string{}
	i := skipWS(val, 1)
	for i < len(val) && val[i] != ']' {
		end := valueEnd(val, i)
		var s string
		if err := setString(&s, val[i:end], field); err != nil {
			return err
		}
		out = append(out, s)
		i = skipWS(val, end)
		if i < len(val) && val[i] == ',' {
			i = skipWS(val, i+1)
		}
	}
	*dst = out
	return nil
}
