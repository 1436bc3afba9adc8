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
// on real events and under fuzzing — in one pass over the bytes: it reads
// the fields it wants where they are, checking their syntax as it goes, and
// checks and skips everything else with skipValue without decoding it.
// Decoding the event is the largest part of the authorizer's own cost per
// request. Field names are matched exactly, as API Gateway writes them.
//
// Like json.Unmarshal, which checks the whole input before decoding any of
// it, it reports errNotObject for any input that is not valid JSON, even
// when a field of the wrong type comes first.
func decodeEvent(data []byte, ev *event) error {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errNotObject
	}
	end, err := walkObject(data, i, func(key []byte, v int) (int, error) {
		var dst *string
		var field string
		switch string(key) {
		case `"version"`:
			dst, field = &ev.Version, "version"
		case `"type"`:
			dst, field = &ev.Type, "type"
		case `"methodArn"`:
			dst, field = &ev.MethodArn, "methodArn"
		case `"routeArn"`:
			dst, field = &ev.RouteArn, "routeArn"
		case `"path"`:
			dst, field = &ev.Path, "path"
		case `"httpMethod"`:
			dst, field = &ev.HTTPMethod, "httpMethod"
		case `"rawPath"`:
			dst, field = &ev.RawPath, "rawPath"
		case `"headers"`:
			return ev.Headers.decodeField(data, v, 1, "headers")
		case `"multiValueHeaders"`:
			return ev.MultiValueHeaders.decodeField(data, v, 1, "multiValueHeaders")
		case `"cookies"`:
			return setStrings(&ev.Cookies, data, v, "cookies")
		case `"requestContext"`:
			return decodeRequestContext(&ev.RequestContext, data, v)
		default:
			return skip(data, v, 1)
		}
		return setString(dst, data, v, field)
	})
	switch {
	case err == nil && skipWS(data, end) != len(data): // trailing data
		return errNotObject
	case err != nil && err != errNotObject && !validJSON(data):
		// A wrong type, but the walk stopped there: is the rest JSON?
		return errNotObject
	}
	return err
}

// decodeRequestContext reads the requestContext value that starts at
// data[v] into rc and returns the index just past it.
func decodeRequestContext(rc *requestContext, data []byte, v int) (int, error) {
	return walkObjectField(data, v, "requestContext", func(key []byte, v int) (int, error) {
		switch string(key) {
		case `"requestId"`:
			return setString(&rc.RequestID, data, v, "requestContext.requestId")
		case `"stage"`:
			return setString(&rc.Stage, data, v, "requestContext.stage")
		case `"http"`:
			return walkObjectField(data, v, "requestContext.http", func(key []byte, v int) (int, error) {
				switch string(key) {
				case `"method"`:
					return setString(&rc.HTTP.Method, data, v, "requestContext.http.method")
				case `"path"`:
					return setString(&rc.HTTP.Path, data, v, "requestContext.http.path")
				}
				return skip(data, v, 3)
			})
		}
		return skip(data, v, 2)
	})
}

// walkObjectField walks the object (or null) at data[v], the value of the
// event field called field.
func walkObjectField(data []byte, v int, field string, fn func(key []byte, v int) (int, error)) (int, error) {
	switch data[v] {
	case 'n':
		return null(data, v)
	case '{':
		return walkObject(data, v, fn)
	}
	return v, &fieldTypeError{field}
}

// The walkers below read JSON that nothing has checked yet: each checks the
// syntax of what it reads as json.Valid would, returns errNotObject where
// the input is not JSON, and otherwise the index just past what it read.

// walkObject calls fn for every entry of the JSON object that starts at
// data[i] ('{'), with the raw key (quotes included) and the index where the
// value starts (always inside data); fn reads or skips the value and
// returns the index just past it, or an error, which ends the walk.
func walkObject(data []byte, i int, fn func(key []byte, v int) (int, error)) (int, error) {
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return i, errNotObject
		}
		kEnd := stringEndStrict(data, i)
		if kEnd < 0 {
			return i, errNotObject
		}
		key := data[i:kEnd]
		if bytes.IndexByte(key, '\\') >= 0 { // escaped key: rare, normalise it
			var s string
			if json.Unmarshal(key, &s) == nil {
				key, _ = json.Marshal(s)
			}
		}
		i = skipWS(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return i, errNotObject
		}
		if i = skipWS(data, i+1); i >= len(data) {
			return i, errNotObject
		}
		end, err := fn(key, i)
		if err != nil {
			return end, err
		}
		var done bool
		if i, done, err = afterValue(data, end, '}'); done || err != nil {
			return i, err
		}
	}
}

// walkArray is walkObject for the JSON array at data[i] ('['): fn gets the
// index where each element starts.
func walkArray(data []byte, i int, fn func(v int) (int, error)) (int, error) {
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for {
		if i >= len(data) {
			return i, errNotObject
		}
		end, err := fn(i)
		if err != nil {
			return end, err
		}
		var done bool
		if i, done, err = afterValue(data, end, ']'); done || err != nil {
			return i, err
		}
	}
}

// afterValue reads what follows a value that ends at data[end] inside a
// container: the container's closing byte (done, and the index past it) or
// a ',' (the index where the next entry starts).
func afterValue(data []byte, end int, closing byte) (int, bool, error) {
	i := skipWS(data, end)
	switch {
	case i >= len(data):
		return i, false, errNotObject
	case data[i] == closing:
		return i + 1, true, nil
	case data[i] == ',':
		return skipWS(data, i+1), false, nil
	}
	return i, false, errNotObject
}

// skip checks and skips the value at data[v], inside depth containers.
func skip(data []byte, v, depth int) (int, error) {
	end := skipValue(data, v, depth)
	if end < 0 {
		return v, errNotObject
	}
	return end, nil
}

// null checks and skips the literal null at data[v].
func null(data []byte, v int) (int, error) {
	end := literalEnd(data, v, "null")
	if end < 0 {
		return v, errNotObject
	}
	return end, nil
}

// str checks the JSON string at data[v] and returns its end and its text
// (quotes included).
func str(data []byte, v int) (int, []byte, error) {
	end := stringEndStrict(data, v)
	if end < 0 {
		return v, nil, errNotObject
	}
	return end, data[v:end], nil
}

// internedStrings are field values that events repeat on every request;
// setString uses these instead of allocating a copy.
var internedStrings = [...]string{"REQUEST", "1.0", "2.0", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "$default"}

// setString reads the string (or null) at data[v] into dst.
func setString(dst *string, data []byte, v int, field string) (int, error) {
	switch data[v] {
	case 'n':
		return null(data, v) // null leaves the field as it was, as in encoding/json
	case '"':
	default:
		return v, &fieldTypeError{field}
	}
	end, raw, err := str(data, v)
	if err != nil {
		return end, err
	}
	for _, s := range internedStrings {
		if len(raw) == len(s)+2 && string(raw[1:len(raw)-1]) == s {
			*dst = s
			return end, nil
		}
	}
	s, err := unquote(raw)
	if err != nil {
		return end, &fieldTypeError{field}
	}
	*dst = s
	return end, nil
}

// setStrings reads the array of strings (or null) at data[v] into dst.
func setStrings(dst *[]string, data []byte, v int, field string) (int, error) {
	switch data[v] {
	case 'n':
		end, err := null(data, v)
		if err == nil {
			*dst = nil
		}
		return end, err
	case '[':
	default:
		return v, &fieldTypeError{field}
	}
	out := []string{}
	end, err := walkArray(data, v, func(e int) (int, error) {
		var s string
		end, err := setString(&s, data, e, field)
		out = append(out, s)
		return end, err
	})
	if err != nil {
		return end, err
	}
	*dst = out
	return end, nil
}
