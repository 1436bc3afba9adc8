package deploy_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// samSchemaPath is AWS's published SAM template schema
// (schema_source/sam.schema.json of aws/serverless-application-model), a
// data file the repository does not carry: SAM_SCHEMA when set, else the
// copy CI provides beside the clone (shared/schemas/sam.schema.json). A
// clone without it skips these checks with one line (samSchema).
func samSchemaPath() string {
	if p := os.Getenv("SAM_SCHEMA"); p != "" {
		return p
	}
	return filepath.Join("..", "..", "shared", "schemas", "sam.schema.json")
}

type re2 struct{ *regexp2.Regexp }

func (r re2) MatchString(s string) bool { ok, err := r.Regexp.MatchString(s); return err == nil && ok }

// samSchema compiles the SAM schema. Without it the test is skipped with
// one line, except under CI=true, where that is a failure.
func samSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := samSchemaPath()
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the SAM schema is required under CI: %v", err)
		}
		t.Skipf("SAM schema checks skipped: %s not found (set SAM_SCHEMA to a copy of sam.schema.json)", path)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	// The schema's catch-all resource pattern uses a lookahead, which RE2
	// cannot parse.
	c.UseRegexpEngine(func(s string) (jsonschema.Regexp, error) {
		r, err := regexp2.Compile(s, regexp2.ECMAScript)
		if err != nil {
			return nil, err
		}
		return re2{r}, nil
	})
	if err := c.AddResource("sam.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sam.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestSAMSchema validates deploy/template.yaml and every
// examples/*/template.yaml against the SAM schema, and shows that the
// schema catches a misspelled SAM property. One test, so that a missing
// schema is one skip line.
func TestSAMSchema(t *testing.T) {
	sch := samSchema(t)
	templates := []string{"template.yaml"}
	for _, dir := range exampleDirs(t) {
		templates = append(templates, filepath.Join(dir, "template.yaml"))
	}
	for _, path := range templates {
		t.Run(path, func(t *testing.T) {
			if err := sch.Validate(readTemplateFile(t, path)); err != nil {
				t.Fatalf("%s does not match the SAM schema:\n%v", path, err)
			}
		})
	}

	src, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, old, new string }{
		{"function property", "      CodeUri: dist/examplebackend.zip", "      CodeUrl: dist/examplebackend.zip"},
		{"api property", "      EndpointConfiguration:", "      EndpointConfig:"},
		{"http api property", "    Condition: IsHttpApi\n    Properties:\n      StageName:", "    Condition: IsHttpApi\n    Properties:\n      Stage:"},
		{"globals property", "    Handler: bootstrap", "    Handlr: bootstrap"},
		{"resource type", "Type: AWS::Serverless::Function", "Type: AWS::Serverless::Functon"},
		{"resource attribute", "    IgnoreGlobals:", "    IgnoreGlobal:"},
	} {
		t.Run("misspelled "+c.name, func(t *testing.T) {
			if !bytes.Contains(src, []byte(c.old)) {
				t.Fatalf("template has no %q", c.old)
			}
			bad := bytes.Replace(src, []byte(c.old), []byte(c.new), 1)
			if err := sch.Validate(templateJSON(t, bad)); err == nil {
				t.Fatalf("the SAM schema accepted %q", c.new)
			}
		})
	}
}
