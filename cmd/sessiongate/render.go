package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sessiongate/sessiongate/gatewayresponses"
)

// render writes the generated API Gateway definitions (the files
// gatewayresponses.Generated lists: the REST and HTTP API OpenAPI, the
// integration examples, the gateway responses as CloudFormation) into a
// directory, deploy/ by default. With --check it writes nothing and fails
// when a file there differs, for a CI step of a project that vendors them.
func (c *cli) render(args []string) int {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	dir := fs.String("dir", "deploy", "directory to write the definitions into")
	check := fs.Bool("check", false, "write nothing; fail when a file differs from what the definitions render")
	if !c.flags(fs, args) {
		return exitUsage
	}
	stale := 0
	for _, f := range gatewayresponses.Generated() {
		want, err := f.Render()
		if err != nil {
			return c.fail("render %s: %v", f.Name, err)
		}
		path := filepath.Join(*dir, f.Name)
		if *check {
			have, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(have, want) {
				fmt.Fprintf(c.stdout, "stale: %s\n", path)
				stale++
			}
			continue
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			return c.fail("write %s: %v", path, err)
		}
		fmt.Fprintf(c.stdout, "wrote %s (%d bytes)\n", path, len(want))
	}
	if stale > 0 {
		return c.fail("%d definition file(s) differ from the Go definitions: run sessiongate render", stale)
	}
	return exitOK
}
