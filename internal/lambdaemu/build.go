package lambdaemu

import (
	"fmt"
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
	if err := goBuild(nil, dir+string(filepath.Separator), pkgs...); err != nil {
		tb.Fatal(err)
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

// BuildBootstrap compiles the main package pkg (an import path, or a
// directory relative to the working directory) as Lambda runs it on this
// machine's architecture — GOOS=linux, -tags lambda.norpc -trimpath,
// CGO_ENABLED=0, the way deploy/build.sh builds it — into dir/bootstrap,
// the file a provided.al2023 runtime executes, and returns its path. For
// programs that are not tests; a test uses Build.
func BuildBootstrap(dir, pkg string) (string, error) {
	bin := filepath.Join(dir, "bootstrap")
	if err := goBuild([]string{"GOOS=linux", "GOARCH=" + runtime.GOARCH}, bin, pkg); err != nil {
		return "", err
	}
	return bin, nil
}

// goBuild runs `go build -tags lambda.norpc -trimpath -o dst pkgs...` with
// CGO_ENABLED=0 and env added to this process's environment.
func goBuild(env []string, dst string, pkgs ...string) error {
	args := append([]string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", dst}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("lambdaemu: go build %s: %w\n%s", strings.Join(pkgs, " "), err, out)
	}
	return nil
}
