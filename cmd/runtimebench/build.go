package main

import (
	"os"
	"path/filepath"

	"github.com/sessiongate/sessiongate/internal/lambdaemu"
)

// The main packages built as bootstrap.
const (
	authorizerPkg = "github.com/sessiongate/sessiongate/cmd/authorizer"
	referencePkg  = "github.com/sessiongate/sessiongate/cmd/runtimebench/internal/reference"
)

// rules are the route rules beside the authorizer's bootstrap (rules.json,
// as deploy/build.sh packages them). The event's route, GET
// /api/reports/q3, matches the second, which checks a claim the session
// has: the authorizer reads the rules and allows.
const rules = `[
 {"method":"*","path":"/api/admin/**","roles":["admin"]},
 {"method":"GET","path":"/api/reports/*","claims":{"plan":["pro","team"]}},
 {"method":"DELETE","path":"/api/reports/*","roles":["admin","auditor"]}
]`

// build builds the authorizer and the reference function as Lambda runs
// them, each as bootstrap in a directory of its own under dir, with
// rules.json beside the authorizer's, and returns the two binaries.
func build(dir string) (authorizer, reference string, err error) {
	authDir, refDir := filepath.Join(dir, "authorizer"), filepath.Join(dir, "reference")
	for _, d := range []string{authDir, refDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return "", "", err
		}
	}
	if authorizer, err = lambdaemu.BuildBootstrap(authDir, authorizerPkg); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(authDir, "rules.json"), []byte(rules), 0o644); err != nil {
		return "", "", err
	}
	if reference, err = lambdaemu.BuildBootstrap(refDir, referencePkg); err != nil {
		return "", "", err
	}
	return authorizer, reference, nil
}
