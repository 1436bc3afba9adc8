package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/sessiongate/sessiongate/gatewayresponses"
)

// render reads a team's annotated OpenAPI document (--api), prints each
// route with the authorizer that runs before it and its protection, the
// warnings and the operations the HTTP API variant leaves out, and writes the rendered definitions into --out (the
// document's folder by default). With --check it writes nothing and exits
// 1 naming every file that differs from what the document renders to.
func (c *cli) render(args []string) int {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	api := fs.String("api", "", "the annotated OpenAPI document (YAML or JSON), e.g. deploy/api.yaml")
	out := fs.String("out", "", "folder to write the definitions into (default: the document's folder)")
	check := fs.Bool("check", false, "write nothing; exit 1 when a file in the folder differs from what the document renders to")
	if !c.flags(fs, args) {
		return exitUsage
	}
	if *api == "" {
		return c.usageErr(fs.Name(), "--api FILE is required (the annotated OpenAPI document)")
	}
	dir := *out
	if dir == "" {
		dir = filepath.Dir(*api)
	}
	data, err := os.ReadFile(*api)
	if err != nil {
		return c.fail("render: %v", err)
	}
	src, err := gatewayresponses.ParseSource(data)
	if err != nil {
		return c.sourceErr(*api, err)
	}
	// What the folder already says (the API its template deploys) is
	// derived, never typed again on the command line.
	opts, err := gatewayresponses.OptionsForDir(dir)
	if err != nil {
		return c.fail("render: %v", err)
	}
	r, err := src.Render(opts)
	if err != nil {
		return c.sourceErr(*api, err)
	}

	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "routes of %s:\n", *api)
	fmt.Fprintf(tw, "  METHOD\tPATH\tINTEGRATION\tAUTHORIZER\tPROTECTION\n")
	for _, route := range r.Routes {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", route.Method, route.Path, route.Integration, authorizerColumn(route.Authorizer), route.Protection)
	}
	_ = tw.Flush()
	for _, w := range r.Warnings {
		fmt.Fprintf(c.stdout, "warning: %s\n", w)
	}
	for _, n := range r.NoHTTPAPI {
		fmt.Fprintf(c.stdout, "no HTTP API equivalent (left out of %s): %s\n", gatewayresponses.FileHTTPAPI, n)
	}

	names := make([]string, 0, len(r.Files))
	for name := range r.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	if *check {
		stale := 0
		for _, name := range names {
			path := filepath.Join(dir, name)
			have, err := os.ReadFile(path)
			switch {
			case errors.Is(err, os.ErrNotExist):
				fmt.Fprintf(c.stdout, "missing: %s\n", path)
				stale++
			case err != nil:
				return c.fail("render: %v", err)
			case !bytes.Equal(have, r.Files[name]):
				fmt.Fprintf(c.stdout, "differs: %s\n", path)
				stale++
			}
		}
		if stale > 0 {
			return c.fail("render: %d file(s) in %s differ from what %s renders to; run: sessiongate render --api %s --out %s",
				stale, dir, *api, *api, dir)
		}
		fmt.Fprintf(c.stdout, "render: %s is up to date (%d files)\n", dir, len(names))
		return exitOK
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c.fail("render: %v", err)
	}
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, r.Files[name], 0o644); err != nil {
			return c.fail("render: %v", err)
		}
		fmt.Fprintf(c.stdout, "wrote %s (%d bytes)\n", path, len(r.Files[name]))
	}
	return exitOK
}

// authorizerColumn names the authorizer that runs before a route: its
// API Gateway type (REQUEST or TOKEN), "none" for a public route and the
// session API's.
func authorizerColumn(t gatewayresponses.AuthorizerType) string {
	if t == "" {
		return "none"
	}
	return strings.ToUpper(string(t))
}

// sourceErr prints every problem of a bad document, one per line, each
// naming the operation.
func (c *cli) sourceErr(file string, err error) int {
	var se *gatewayresponses.SourceError
	if !errors.As(err, &se) {
		return c.fail("render: %s: %v", file, err)
	}
	fmt.Fprintf(c.stderr, "sessiongate: render: %s: %d problem(s):\n", file, len(se.Problems))
	for _, p := range se.Problems {
		at := file
		if p.Line > 0 {
			at = fmt.Sprintf("%s:%d", file, p.Line)
		}
		if p.Where != "" {
			at += ": " + p.Where
		}
		fmt.Fprintf(c.stderr, "  %s: %s\n", at, p.Msg)
	}
	return exitFail
}
