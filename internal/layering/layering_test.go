package layering_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/sessiongate/sessiongate"

// who may import what (direct, non-test imports). A prefix match on the
// importing package.
var rules = []struct {
	dep     string   // imported path prefix
	allowed []string // importing packages allowed (exact, or prefix ending in "/")
	why     string
}{
	{"github.com/redis/go-redis", []string{mod + "/session/redisstore", mod + "/cmd/runtimebench/"},
		"only the Redis store talks go-redis (and runtimebench's reference function, whose bare GET is the yardstick)"},
	{"github.com/aws/aws-lambda-go", []string{mod + "/authorizer", mod + "/authorizer/backend", mod + "/session/sessionhttp/lambdaproxy", mod + "/cmd/", mod + "/examples/"},
		"only the authorizer, the proxy adapter and the mains (cmd/, and the example APIs' own functions in examples/) know Lambda"},
	{"github.com/alicebob/miniredis", []string{mod + "/cmd/localgateway"}, "the embedded store is the local gateway's zero-setup default only"},
	{mod + "/cmd", nil, "nothing imports a main"},
	{mod + "/examples", nil, "nothing imports an example"},
	{mod + "/internal/loadtest", []string{mod + "/cmd/"}, "load tooling stays out of the library"},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestImportRules(t *testing.T) {
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", mod+"/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	n := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
		for _, imp := range p.Imports {
			for _, r := range rules {
				if !strings.HasPrefix(imp, r.dep) {
					continue
				}
				ok := false
				for _, a := range r.allowed {
					if p.ImportPath == a || (strings.HasSuffix(a, "/") && strings.HasPrefix(p.ImportPath, a)) {
						ok = true
					}
				}
				if !ok {
					t.Errorf("%s imports %s: %s", p.ImportPath, imp, r.why)
				}
			}
		}
		// The core knows only the standard library and securecookie.
		if p.ImportPath == mod+"/session" {
			for _, imp := range p.Imports {
				if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && imp != "github.com/gorilla/securecookie" {
					t.Errorf("session imports %s: the core is standard library + securecookie only", imp)
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("go list found only %d packages", n)
	}
}
