package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// Rule sets of different sizes, so a test can tell which source was read.
const (
	oneRule    = `[{"method":"GET","path":"/api/admin","roles":["admin"]}]`
	twoRules   = `[{"method":"GET","path":"/api/admin","roles":["admin"]},{"method":"POST","path":"/api/admin","roles":["admin"]}]`
	threeRules = `[{"method":"GET","path":"/a","roles":["x"]},{"method":"GET","path":"/b","roles":["x"]},{"method":"GET","path":"/c","roles":["x"]}]`
)

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Each source alone, and the precedence AUTHZ_RULES > AUTHZ_RULES_FILE >
// rules.json beside the executable. Blank means unset.
func TestLoadRulesSourcesAndPrecedence(t *testing.T) {
	exeDir := t.TempDir() // holds rules.json with three rules
	writeFile(t, filepath.Join(exeDir, rulesFileName), threeRules)
	emptyDir := t.TempDir() // no rules.json
	file := writeFile(t, filepath.Join(t.TempDir(), "custom.json"), twoRules)
	defaultFile := filepath.Join(exeDir, rulesFileName)

	for _, c := range []struct {
		name     string
		env      map[string]string
		exeDir   string
		wantLen  int
		wantFrom string
	}{
		{"AUTHZ_RULES alone", map[string]string{"AUTHZ_RULES": oneRule}, emptyDir, 1, "AUTHZ_RULES"},
		{"AUTHZ_RULES_FILE alone", map[string]string{"AUTHZ_RULES_FILE": file}, emptyDir, 2, "AUTHZ_RULES_FILE " + file},
		{"rules.json beside the executable alone", nil, exeDir, 3, defaultFile},
		{"AUTHZ_RULES over both files", map[string]string{"AUTHZ_RULES": oneRule, "AUTHZ_RULES_FILE": file}, exeDir, 1, "AUTHZ_RULES"},
		{"AUTHZ_RULES_FILE over rules.json", map[string]string{"AUTHZ_RULES_FILE": file}, exeDir, 2, "AUTHZ_RULES_FILE " + file},
		{"blank AUTHZ_RULES is unset", map[string]string{"AUTHZ_RULES": " \n\t", "AUTHZ_RULES_FILE": file}, exeDir, 2, "AUTHZ_RULES_FILE " + file},
		{"empty AUTHZ_RULES is unset", map[string]string{"AUTHZ_RULES": ""}, exeDir, 3, defaultFile},
		{"blank AUTHZ_RULES_FILE is unset", map[string]string{"AUTHZ_RULES_FILE": "  "}, exeDir, 3, defaultFile},
		{"explicit [] in AUTHZ_RULES: no rules", map[string]string{"AUTHZ_RULES": "[]"}, exeDir, 0, "AUTHZ_RULES"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rules, from, err := loadRules(envOf(c.env), c.exeDir)
			if err != nil {
				t.Fatal(err)
			}
			if rules.Len() != c.wantLen || from != c.wantFrom {
				t.Fatalf("got %d rules from %q, want %d from %q", rules.Len(), from, c.wantLen, c.wantFrom)
			}
		})
	}

	t.Run("[] in rules.json: no rules", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, rulesFileName), "[]\n")
		rules, _, err := loadRules(envOf(nil), dir)
		if err != nil || rules.Len() != 0 {
			t.Fatalf("rules %d, err %v", rules.Len(), err)
		}
	})
}

// Without any source, or with a source that does not hold a valid rule
// set, the authorizer does not start: it never falls back to fewer rules.
func TestLoadRulesFailsClosed(t *testing.T) {
	withDefault := t.TempDir()
	writeFile(t, filepath.Join(withDefault, rulesFileName), threeRules)
	emptyDir := t.TempDir()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	badJSON := writeFile(t, filepath.Join(dir, "bad.json"), `[{"method":"GET","path":"/a",`)
	unknownField := writeFile(t, filepath.Join(dir, "unknown.json"), `[{"method":"GET","path":"/a","role":["admin"]}]`)
	empty := writeFile(t, filepath.Join(dir, "empty.json"), " \n")
	badDefault := t.TempDir()
	writeFile(t, filepath.Join(badDefault, rulesFileName), `{"method":"GET"}`)
	huge := writeFile(t, filepath.Join(dir, "huge.json"), "["+strings.Repeat(" ", maxRulesFile)+"]")

	for _, c := range []struct {
		name   string
		env    map[string]string
		exeDir string
		is     error    // errors.Is target, or nil
		says   []string // substrings of the message
	}{
		{"no source at all", nil, emptyDir, errNoRules,
			[]string{filepath.Join(emptyDir, rulesFileName), "deploy/build.sh", "AUTHZ_RULES_FILE", "AUTHZ_RULES"}},
		{"blank AUTHZ_RULES and no file", map[string]string{"AUTHZ_RULES": " "}, emptyDir, errNoRules, []string{"deploy/build.sh"}},
		{"executable's directory unknown", nil, "", errNoRules, []string{"unknown", "deploy/build.sh"}},
		{"AUTHZ_RULES_FILE missing, no fallback to rules.json", map[string]string{"AUTHZ_RULES_FILE": missing}, withDefault, fs.ErrNotExist,
			[]string{"AUTHZ_RULES_FILE", missing}},
		{"AUTHZ_RULES_FILE not JSON", map[string]string{"AUTHZ_RULES_FILE": badJSON}, withDefault, authorizer.ErrInvalidRules, []string{badJSON}},
		{"AUTHZ_RULES_FILE with an unknown field", map[string]string{"AUTHZ_RULES_FILE": unknownField}, withDefault, authorizer.ErrInvalidRules,
			[]string{unknownField, `"role"`}},
		{"AUTHZ_RULES_FILE empty", map[string]string{"AUTHZ_RULES_FILE": empty}, withDefault, nil, []string{empty, "empty"}},
		{"AUTHZ_RULES_FILE too large", map[string]string{"AUTHZ_RULES_FILE": huge}, withDefault, nil, []string{huge, "larger"}},
		{"rules.json not an array", nil, badDefault, authorizer.ErrInvalidRules, []string{filepath.Join(badDefault, rulesFileName)}},
		{"AUTHZ_RULES invalid, no fallback", map[string]string{"AUTHZ_RULES": `[{"method":"get","path":"/a"}]`}, withDefault,
			authorizer.ErrInvalidRules, []string{"rule 0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rules, _, err := loadRules(envOf(c.env), c.exeDir)
			if err == nil {
				t.Fatalf("loaded %d rules, want an error", rules.Len())
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error does not wrap %v: %v", c.is, err)
			}
			for _, s := range c.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error does not say %q: %v", s, err)
				}
			}
		})
	}
}

// build reports a missing rule set with the other problems, and logs where
// the rules it uses came from.
func TestBuildRules(t *testing.T) {
	_, err := build(envOf(map[string]string{"SESSION_KEYS": sessiontest.Keys(t), "REDIS_URL": "redis://127.0.0.1:1", "REDIS_MODE": "sharded"}),
		t.TempDir(), &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, errNoRules) || !strings.Contains(err.Error(), "REDIS_MODE") {
		t.Fatalf("want the missing rules and REDIS_MODE reported together, got %v", err)
	}

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, rulesFileName), twoRules)
	var logs bytes.Buffer
	if _, err := build(envOf(map[string]string{"SESSION_KEYS": sessiontest.Keys(t), "REDIS_URL": "redis://127.0.0.1:1"}), dir, &logs, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	src, _ := json.Marshal(filepath.Join(dir, rulesFileName))
	want := `"msg":"route rules loaded","source":` + string(src) + `,"rules":2`
	if !strings.Contains(logs.String(), want) {
		t.Fatalf("start-up log %s\nwant it to contain %s", logs.String(), want)
	}
}
