package gatewayresponses_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/sessiongate/sessiongate/gatewayresponses"
)

var update = flag.Bool("update", false, "rewrite the generated files under deploy/ and the golden files in testdata/")

// TestGenerated fails when a committed file under deploy/ differs from what
// the Go definitions render. Refresh with: go generate ./gatewayresponses
func TestGenerated(t *testing.T) {
	for _, f := range gatewayresponses.Generated() {
		t.Run(f.Name, func(t *testing.T) {
			got, err := f.Render()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("..", "deploy", f.Name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run: go generate ./gatewayresponses)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("deploy/%s drifted from the Go definitions; run: go generate ./gatewayresponses", f.Name)
			}
		})
	}
}
