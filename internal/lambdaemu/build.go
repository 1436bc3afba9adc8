package lambdaemu

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Build compiles the main packages pkgs (import paths, or directories
// relative to the test's working directory such as ".") for this machine
// as they are deployed — -tags lambda.norpc -trimpath, CGO_ENABLED=0 — with
// one `go build` into tb.TempDir(), and returns the binaries' paths in the
// order of pkgs.
func Build(tb testing.TB, pkgs ...string) []string {
	tb.Helper()
	dir := tb.TempDir()
	args := append([]string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", dir + string(filepath.Separator)}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("lambdaemu: go build %s: %v\n%s", strings.Join(pkgs, " "), err, out)
	}
	bins := make([]string, len(pkgs))
	for i, p := range pkgs {
		name := path.Base(p) // go build names a binary after its package path's last element
		if strings.HasPrefix(p, ".") {
			abs, err := filepath.Abs(p)
			if err != nil {
				tb.Fatal(err)
			}
			name = filepath.Base(abs)
		}
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		bins[i] = filepath.Join(dir, name)
		if _, err := os.Stat(bins[i]); err != nil {
			tb.Fatalf("lambdaemu: go build %s wrote no %s: %v", p, bins[i], err)
		}
	}
	return bins
}
