package authorizer

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// jsonValidCases are inputs on both sides of every rule of the grammar;
// TestValidJSON checks validJSON against json.Valid on each.
var jsonValidCases = []string{
	``, ` `, `{}`, ` {} `, `[]`, `[ ]`, `{ }`, `{`, `}`, `[`, `]`, `{]`, `[}`, `[[]`, `[]]`, `{}{}`, `{} x`,
	`""`, `"`, `"\"`, `"\\"`, `"\/\b\f\n\r\t"`, `"\a"`, `"\u00e9"`, `"\u00E9"`, `"\u00g9"`, `"\u00e"`, `"\u`,
	"\"\x01\"", "\"\x1f\"", "\"\x7f\"", "\"\xff\xfe\"", "\"\t\"", `"é"`,
	`0`, `-0`, `01`, `-`, `-01`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e10`, `+1`, `0x10`, `1.5.5`, `12a`,
	`true`, `false`, `null`, `tru`, `truex`, `nul`, `nulll`, `True`, `NULL`,
	`{"a":1}`, `{"a" : 1 , "b" : [ 1 , 2 ] }`, `{"a":1,}`, `{,"a":1}`, `{"a"}`, `{"a":}`, `{"a" 1}`, `{1:1}`, `{"a":1 "b":2}`,
	`[1,]`, `[,1]`, `[1 2]`, `[1,,2]`, `[[[]]]`, `[{"a":[{"b":{}}]}]`, `{"a":{"b":{"c":[]}}}`,
	"{\"a\":1}\n", "\t\r\n[]\t\r\n", "\u00a0{}", "\x00{}", `{"a":"b"}}`, `[{}]]`,
}

func TestValidJSON(t *testing.T) {
	for _, c := range jsonValidCases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%q) = %v, json.Valid says %v", c, got, want)
		}
	}
	files, _ := filepath.Glob("testdata/*.event.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !validJSON(b) {
			t.Errorf("%s: not valid", f)
		}
		b = bytes.TrimRight(b, " \t\r\n")
		for n := 0; n < len(b); n += 7 { // every truncation of a real event is invalid
			if validJSON(b[:n]) {
				t.Fatalf("%s truncated to %d bytes is accepted", f, n)
			}
		}
	}
}

// Nesting up to encoding/json's limit is valid, one level more is not, for
// arrays, objects and empty innermost containers alike.
func TestValidJSONDepth(t *testing.T) {
	for _, depth := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		for name, doc := range map[string]string{
			"arrays":        strings.Repeat("[", depth) + strings.Repeat("]", depth),
			"arrays+1":      strings.Repeat("[", depth) + "1" + strings.Repeat("]", depth),
			"objects":       strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth),
			"objects+empty": strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1),
		} {
			if got, want := validJSON([]byte(doc)), json.Valid([]byte(doc)); got != want {
				t.Errorf("%s at depth %d: validJSON %v, json.Valid %v", name, depth, got, want)
			}
		}
	}
}

// FuzzValidJSON holds validJSON to json.Valid on every input.
func FuzzValidJSON(f *testing.F) {
	for _, c := range jsonValidCases {
		f.Add([]byte(c))
	}
	files, _ := filepath.Glob("testdata/*.event.json")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", b, got, want)
		}
	})
}
