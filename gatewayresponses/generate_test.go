package gatewayresponses_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	gr "github.com/sessiongate/sessiongate/gatewayresponses"
)

var update = flag.Bool("update", false, "rewrite the rendered files under deploy/ (and examples/*/) and the golden files in testdata/")

// apiDirs are the folders whose api.yaml is rendered into the folder
// itself: deploy/ and every examples/*/ that has one.
func apiDirs(t *testing.T) []string {
	t.Helper()
	dirs := []string{filepath.Join("..", "deploy")}
	more, err := filepath.Glob(filepath.Join("..", "examples", "*", "api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range more {
		dirs = append(dirs, filepath.Dir(m))
	}
	return dirs
}

// TestGenerated fails when a rendered file differs from what its folder's
// api.yaml renders to. Refresh with: go test ./gatewayresponses -run TestGenerated -update (or
// go run ./cmd/sessiongate render --api deploy/api.yaml).
func TestGenerated(t *testing.T) {
	for _, dir := range apiDirs(t) {
		data, err := os.ReadFile(filepath.Join(dir, "api.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		src, err := gr.ParseSource(data)
		if err != nil {
			t.Fatalf("%s/api.yaml: %v", dir, err)
		}
		opts, err := gr.OptionsForDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		r, err := src.Render(opts)
		if err != nil {
			t.Fatalf("%s/api.yaml: %v", dir, err)
		}
		if len(r.Files) != 4 {
			t.Fatalf("rendered %d files", len(r.Files))
		}
		for name, got := range r.Files {
			t.Run(filepath.Join(filepath.Base(dir), name), func(t *testing.T) {
				path := filepath.Join(dir, name)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run: go run ./cmd/sessiongate render --api <dir>/api.yaml)", err)
				}
				if !bytes.Equal(got, want) {
					src := filepath.Join(filepath.Base(filepath.Dir(dir)), filepath.Base(dir), "api.yaml")
					if filepath.Base(dir) == "deploy" {
						src = filepath.Join("deploy", "api.yaml")
					}
					t.Fatalf("%s drifted from %s; run: go run ./cmd/sessiongate render --api %s", name, src, src)
				}
			})
		}
	}
}
