package authorizer

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzClaimsView holds claimsView to the map[string]any that json.Decoder
// decodes the claims into, and sameJSONScalar to comparing json.Marshal's
// texts.
func FuzzClaimsView(f *testing.F) {
	f.Add([]byte(`{"plan":"pro"}`), "plan", `"pro"`)
	f.Add([]byte(` {"a":1,"a":[true,-0,"x"],"\u0062":null} `), "a", `0`)
	f.Add([]byte(`{"b":{"a":1},"\u0061":-0.0}`), "a", `-0`)
	f.Add([]byte("{\"\xff\":\"x\"}"), "\ufffd", `"x"`)
	f.Add([]byte(`{"<\u2028>":"\u00e9"}`), "<\u2028>", `"é"`)
	f.Add([]byte(`{"a":1e2} trailing`), "a", `100`)
	f.Add([]byte(`[1]`), "a", `true`)
	f.Add([]byte(`null`), "a", `null`)
	f.Add([]byte(``), "", `""`)
	f.Fuzz(func(t *testing.T, claims []byte, name, allowed string) {
		var m map[string]any
		if json.NewDecoder(bytes.NewReader(claims)).Decode(&m) != nil {
			m = nil
		}
		want, wantOK := m[name]
		got, gotOK := newClaimsView(claims).get(name)
		if gotOK != wantOK || !reflect.DeepEqual(got, want) {
			t.Fatalf("claims %q, name %q: view %#v %v, map %#v %v", claims, name, got, gotOK, want, wantOK)
		}
		var a any
		if json.Unmarshal([]byte(allowed), &a) != nil {
			return
		}
		switch a.(type) {
		case string, float64, bool:
		default:
			return
		}
		vals := []any{got}
		if arr, ok := got.([]any); ok {
			vals = append(vals, arr...)
		}
		for _, v := range vals {
			am, _ := json.Marshal(a)
			vm, _ := json.Marshal(v)
			if sameJSONScalar(a, v) != bytes.Equal(am, vm) {
				t.Fatalf("sameJSONScalar(%#v, %#v) = %v; json.Marshal gives %s and %s", a, v, sameJSONScalar(a, v), am, vm)
			}
		}
	})
}
