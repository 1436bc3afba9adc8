package gatewayresponses_test

import (
	"os"
	"path/filepath"
	"testing"

	gr "github.com/sessiongate/sessiongate/gatewayresponses"
)

func TestOptionsForDir(t *testing.T) {
	api := func(id, location string) string {
		return "  " + id + ":\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n" +
			"      DefinitionBody:\n        Fn::Transform:\n          Name: AWS::Include\n          Parameters:\n            Location: " + location + "\n"
	}
	head := "Transform: AWS::Serverless-2016-10-31\nResources:\n"
	cases := []struct {
		name     string
		template string // "" = no template.yaml
		want     string
		wantErr  bool
	}{
		{name: "no template: the defaults", want: "ExampleApi"},
		{name: "the API that includes openapi.json", template: head + api("NotesApi", "openapi.json") + api("OtherApi", "other.json"), want: "NotesApi"},
		{name: "no API includes openapi.json", template: head + api("OtherApi", "other.json"), wantErr: true},
		{name: "two APIs include it", template: head + api("A", "openapi.json") + api("B", "./openapi.json"), wantErr: true},
		{name: "not a template", template: "Resources: [", wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.template != "" {
				if err := os.WriteFile(filepath.Join(dir, gr.TemplateFile), []byte(c.template), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			opts, err := gr.OptionsForDir(dir)
			if c.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %+v", opts)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := opts.RestAPI
			if got == "" {
				got = "ExampleApi" // what the zero Options render
			}
			if got != c.want {
				t.Fatalf("RestAPI %q, want %q", got, c.want)
			}
		})
	}
	// The repo's own folders: the example deploys ExampleApi, notes-api NotesApi.
	for dir, want := range map[string]string{"../deploy": "ExampleApi", "../examples/notes-api": "NotesApi"} {
		opts, err := gr.OptionsForDir(dir)
		if err != nil || opts.RestAPI != want {
			t.Errorf("%s: RestAPI %q, %v; want %q", dir, opts.RestAPI, err, want)
		}
	}
}
