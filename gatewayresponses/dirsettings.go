package gatewayresponses

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sessiongate/sessiongate/internal/samtemplate"
)

// TemplateFile is the SAM template that may stand beside a rendered
// definition; when it is there, it says how the definition is deployed.
const TemplateFile = "template.yaml"

// OptionsForDir returns the Options for rendering into dir, derived from
// what is already there instead of typed a second time: when dir holds a
// SAM template (TemplateFile), RestAPI is the logical id of its
// AWS::Serverless::Api whose definition includes openapi.json, so
// gateway-responses.cfn.json refers to the API the template deploys.
// Without a template the zero Options apply. A template that cannot be
// read, or has no such API, or more than one, is an error.
func OptionsForDir(dir string) (Options, error) {
	data, err := os.ReadFile(filepath.Join(dir, TemplateFile))
	if errors.Is(err, os.ErrNotExist) {
		return Options{}, nil
	}
	if err != nil {
		return Options{}, fmt.Errorf("gatewayresponses: %w", err)
	}
	t, err := samtemplate.Parse(data)
	if err != nil {
		return Options{}, fmt.Errorf("gatewayresponses: %s: %w", filepath.Join(dir, TemplateFile), err)
	}
	var ids []string
	for _, api := range t.APIs() {
		if api.Type == samtemplate.TypeAPI && filepath.Clean(api.DefinitionLocation) == FileOpenAPI {
			ids = append(ids, api.LogicalID)
		}
	}
	if len(ids) != 1 {
		return Options{}, fmt.Errorf("%w: %s: want exactly one %s including %s, found %d %v",
			ErrInvalidOptions, filepath.Join(dir, TemplateFile), samtemplate.TypeAPI, FileOpenAPI, len(ids), ids)
	}
	return Options{RestAPI: ids[0]}, nil
}
