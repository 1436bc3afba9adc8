package samtemplate

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzParseAndEvaluate: whatever the bytes, Parse and every evaluation
// return a result or an error wrapping the package's sentinels; nothing
// panics, and a result is consistent.
func FuzzParseAndEvaluate(f *testing.F) {
	for _, c := range envCases {
		f.Add([]byte(c.tpl))
	}
	f.Add([]byte(apiTypeTemplate))
	f.Add([]byte(`{"Resources":{"Fn":{"Type":"AWS::Serverless::Function","Properties":{"Environment":{"Variables":{"A":{"Fn::Sub":["${X}",{"X":{"Ref":"AWS::Region"}}]}}}}}}}`))
	for _, name := range []string{filepath.Join(deployDir, "template.yaml"), filepath.Join("..", "..", "examples", "notes-api", "template.yaml")} {
		if src, err := os.ReadFile(name); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl, err := Parse(data)
		if err != nil {
			if tpl != nil || !wrapsSentinel(err) {
				t.Fatalf("Parse: template %v, error %v", tpl != nil, err)
			}
			return
		}
		params := tpl.Parameters()
		given := map[string]string{}
		for _, p := range params {
			given[p.Name] = "x"
		}
		check := func(err error) {
			if err != nil && !wrapsSentinel(err) {
				t.Fatalf("an error wraps no sentinel: %v", err)
			}
		}
		_ = tpl.APIs()
		_, err = tpl.APIsFor(given)
		check(err)
		_, err = tpl.FunctionsFor(nil)
		check(err)
		ids := tpl.Functions()
		if !slices.IsSorted(ids) {
			t.Fatalf("Functions() not sorted: %q", ids)
		}
		for _, id := range ids {
			for _, p := range []map[string]string{nil, given} {
				env, unresolved, err := tpl.FunctionEnv(id, p)
				check(err)
				if err != nil {
					continue
				}
				if env == nil || unresolved == nil || !slices.IsSorted(unresolved) {
					t.Fatalf("%s: env %v unresolved %q", id, env, unresolved)
				}
				for _, u := range unresolved {
					if _, both := env[u]; both {
						t.Fatalf("%s: %s is both in env and unresolved", id, u)
					}
				}
			}
		}
		for _, p := range params {
			_, err := tpl.Condition(p.Name, nil)
			check(err)
		}
	})
}
