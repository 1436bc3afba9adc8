package deploy_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/authorizer"
)

// Rules travel with the build. The deployed authorizer enforces exactly the
// rules rendered from api.yaml, because three links hold, each by a test:
//
//  1. deploy/rules.json is what deploy/api.yaml renders to:
//     gatewayresponses.TestGenerated (the drift test of every rendered file).
//  2. authorizer.zip carries deploy/rules.json, byte for byte, beside
//     bootstrap, where cmd/authorizer reads it: TestBuildScript below.
//  3. Nothing in the template overrides it (no AUTHZ_RULES or
//     AUTHZ_RULES_FILE in any function), and no STAGE_PREFIX takes the
//     refresh cookie's Path away from the request: TestFunctions.

// zipEntry is one file of a Lambda package.
type zipEntry struct {
	data     []byte
	mode     os.FileMode
	modified time.Time
}

func readZip(t *testing.T, path string) (names []string, entries map[string]zipEntry) {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	entries = map[string]zipEntry{}
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		entries[f.Name] = zipEntry{data: data, mode: f.Mode(), modified: f.Modified}
	}
	return names, entries
}

// buildSh runs build.sh with extra environment and returns its output.
func buildSh(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"build.sh"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func needZip(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("zip"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("zip is required under CI (scripts/install-test-deps.sh installs it)")
		}
		t.Skip("zip is not installed")
	}
}

// A missing rules file stops build.sh before it builds anything: an
// authorizer package without its rules would not start.
func TestBuildScriptNeedsRules(t *testing.T) {
	needZip(t)
	missing := filepath.Join(t.TempDir(), "rules.json")
	dist := t.TempDir()
	out, err := buildSh(t, []string{"RULES=" + missing, "DIST=" + dist}, "authorizer")
	if err == nil || !strings.Contains(out, missing) {
		t.Fatalf("build.sh with RULES=%s: err %v, output:\n%s", missing, err, out)
	}
	if files, _ := os.ReadDir(dist); len(files) != 0 {
		t.Fatalf("build.sh wrote %d files before failing", len(files))
	}
}

// TestBuildScript builds the three packages as deploy/build.sh does for
// `sam deploy` (into a temporary DIST): each holds bootstrap, and
// authorizer.zip also deploy/rules.json, byte for byte; every entry has the
// fixed time and mode, so the same inputs give the same zip.
func TestBuildScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three arm64 binaries")
	}
	needZip(t)
	rules, err := os.ReadFile("rules.json")
	if err != nil {
		t.Fatalf("deploy/rules.json: %v (render it: go run ./cmd/sessiongate render --api deploy/api.yaml --out deploy)", err)
	}
	if _, err := authorizer.ParseRules(string(rules)); err != nil || strings.TrimSpace(string(rules)) == "" {
		t.Fatalf("deploy/rules.json is not a rule set the authorizer accepts: %v", err)
	}

	dist := t.TempDir()
	if out, err := buildSh(t, []string{"DIST=" + dist}); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	fixed := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var bootstrap []byte
	for _, c := range []string{"authorizer", "sessionapi", "examplebackend"} {
		names, entries := readZip(t, filepath.Join(dist, c+".zip"))
		want := []string{"bootstrap"}
		if c == "authorizer" {
			want = append(want, "rules.json")
		}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("%s.zip holds %v, want %v", c, names, want)
			continue
		}
		for _, n := range names {
			e := entries[n]
			if !e.modified.Equal(fixed) {
				t.Errorf("%s.zip: %s modified %v, want the fixed %v", c, n, e.modified, fixed)
			}
		}
		if m := entries["bootstrap"].mode; m != 0o755 {
			t.Errorf("%s.zip: bootstrap mode %v, want 0755", c, m)
		}
		if c != "authorizer" {
			continue
		}
		bootstrap = entries["bootstrap"].data
		if got := entries["rules.json"]; !bytes.Equal(got.data, rules) || got.mode != 0o644 {
			t.Errorf("authorizer.zip's rules.json (mode %v) differs from deploy/rules.json:\n%s\nwant:\n%s", got.mode, got.data, rules)
		}
	}

	// The same inputs give the same bytes.
	again := t.TempDir()
	if out, err := buildSh(t, []string{"DIST=" + again}, "authorizer"); err != nil {
		t.Fatalf("build.sh authorizer: %v\n%s", err, out)
	}
	a, _ := os.ReadFile(filepath.Join(dist, "authorizer.zip"))
	b, _ := os.ReadFile(filepath.Join(again, "authorizer.zip"))
	if !bytes.Equal(a, b) {
		t.Error("two builds of authorizer.zip from the same inputs differ")
	}

	// RULES=path bakes another API's rules into the same binary.
	other := filepath.Join(t.TempDir(), "rules.json")
	otherRules := []byte(`[{"method":"DELETE","path":"/notes/*","anyRoles":["editor"]}]` + "\n")
	if err := os.WriteFile(other, otherRules, 0o600); err != nil {
		t.Fatal(err)
	}
	custom := t.TempDir()
	if out, err := buildSh(t, []string{"DIST=" + custom, "RULES=" + other}, "authorizer"); err != nil {
		t.Fatalf("RULES=%s build.sh authorizer: %v\n%s", other, err, out)
	}
	_, entries := readZip(t, filepath.Join(custom, "authorizer.zip"))
	if !bytes.Equal(entries["rules.json"].data, otherRules) || entries["rules.json"].mode != 0o644 {
		t.Errorf("RULES=path: the zip's rules.json is %q (mode %v)", entries["rules.json"].data, entries["rules.json"].mode)
	}
	if !bytes.Equal(entries["bootstrap"].data, bootstrap) {
		t.Error("RULES=path changed bootstrap")
	}
}
