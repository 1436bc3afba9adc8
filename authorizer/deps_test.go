package authorizer_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The authorizer packages never import go-redis: only session/redisstore
// does, and the authorizer reaches Redis only through session.Manager.
func TestNoRedisImport(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	for _, pkg := range []string{"github.com/sessiongate/sessiongate/authorizer", "github.com/sessiongate/sessiongate/authorizer/backend"} {
		out, err := exec.Command(gobin, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/redis/") || strings.HasSuffix(dep, "/session/redisstore") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
