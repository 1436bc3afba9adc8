package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// render writes exactly the committed deploy/ files, and --check notices
// a file that drifted.
func TestRender(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	env := func(string) (string, bool) { return "", false }
	if code := run([]string{"render", "--dir", dir}, env, &out, &errOut); code != exitOK {
		t.Fatalf("render: %d %s", code, errOut.String())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) < 4 {
		t.Fatalf("render wrote %d files", len(entries))
	}
	for _, e := range entries {
		got, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		committed, err := os.ReadFile(filepath.Join("..", "..", "deploy", e.Name()))
		if err != nil || !bytes.Equal(got, committed) {
			t.Errorf("%s differs from the committed deploy/%s", e.Name(), e.Name())
		}
	}
	if code := run([]string{"render", "--dir", dir, "--check"}, env, &out, &errOut); code != exitOK {
		t.Fatalf("check of fresh files: %d %s", code, errOut.String())
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := run([]string{"render", "--dir", dir, "--check"}, env, &out, &errOut); code != exitFail || !strings.Contains(out.String(), "stale: "+filepath.Join(dir, "openapi.json")) {
		t.Fatalf("check of a drifted file: %d %q %q", code, out.String(), errOut.String())
	}
}
