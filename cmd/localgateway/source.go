package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sessiongate/sessiongate/deploy"
	"github.com/sessiongate/sessiongate/internal/samtemplate"
)

// The files `sessiongate render` writes, by the names the local gateway
// reads them under -api DIR.
const (
	fileOpenAPI  = "openapi.json"
	fileHTTPAPI  = "httpapi-openapi.json"
	fileRules    = "rules.json"
	fileTemplate = "template.yaml"
)

// file is one input with the name that messages give it.
type file struct {
	name string // "DIR/openapi.json", or "deploy/openapi.json (embedded)"
	data []byte
	ok   bool // false: the file does not exist
}

// apiSource is what the gateway serves: the definition render wrote, the
// route rules of the authorizer's package, and the SAM template whose
// functions run (nil: none, the environment configures them).
type apiSource struct {
	definition   file // openapi.json, or httpapi-openapi.json with -http-api
	rules        file
	template     *samtemplate.Template
	templateName string
}

// loadSource reads the inputs -api, -template and -http-api select. Every
// problem is returned; a missing rules.json is not one yet (an AUTHZ_RULES
// override or -lambda-endpoint makes it unnecessary).
func loadSource(s settings) (apiSource, []error) {
	var src apiSource
	var problems []error
	defName := fileOpenAPI
	if s.httpAPI {
		defName = fileHTTPAPI
	}
	var tplFile file
	if s.apiDir == "" {
		src.definition = file{name: "deploy/" + fileOpenAPI + " (embedded)", data: deploy.OpenAPI, ok: true}
		if s.httpAPI {
			src.definition = file{name: "deploy/" + fileHTTPAPI + " (embedded)", data: deploy.HTTPAPI, ok: true}
		}
		src.rules = file{name: "deploy/" + fileRules + " (embedded)", data: deploy.Rules, ok: true}
		tplFile = file{name: "deploy/" + fileTemplate + " (embedded)", data: deploy.Template, ok: true}
	} else {
		if st, err := os.Stat(s.apiDir); err != nil || !st.IsDir() {
			return src, []error{fmt.Errorf("%w: -api %s: not a directory", errConfig, s.apiDir)}
		}
		var err error
		if src.definition, err = readFile(filepath.Join(s.apiDir, defName)); err != nil {
			problems = append(problems, err)
		} else if !src.definition.ok {
			problems = append(problems, fmt.Errorf("%w: -api %s has no %s (write it with: go run ./cmd/sessiongate render --api FILE --out %s)",
				errConfig, s.apiDir, defName, s.apiDir))
		}
		if src.rules, err = readFile(filepath.Join(s.apiDir, fileRules)); err != nil {
			problems = append(problems, err)
		}
		if s.template == "" {
			if tplFile, err = readFile(filepath.Join(s.apiDir, fileTemplate)); err != nil {
				problems = append(problems, err)
			}
		}
	}
	if s.template != "" {
		var err error
		if tplFile, err = readFile(s.template); err != nil {
			problems = append(problems, err)
		} else if !tplFile.ok {
			problems = append(problems, fmt.Errorf("%w: -template %s: no such file", errConfig, s.template))
		}
	}
	if tplFile.ok {
		t, err := samtemplate.Parse(tplFile.data)
		if err != nil {
			problems = append(problems, fmt.Errorf("%w: %s: %w", errConfig, tplFile.name, err))
		} else {
			src.template, src.templateName = t, tplFile.name
		}
	}
	return src, problems
}

// readFile reads name; a file that does not exist is not an error
// (file.ok is false), any other failure is.
func readFile(name string) (file, error) {
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return file{name: name}, nil
	}
	if err != nil {
		return file{name: name}, fmt.Errorf("%w: %w", errConfig, err)
	}
	return file{name: name, data: b, ok: true}, nil
}
