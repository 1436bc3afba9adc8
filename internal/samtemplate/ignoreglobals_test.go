package samtemplate

import (
	"encoding/json"
	"testing"
)

// SAM's IgnoreGlobals resource attribute: a function that ignores the
// Globals' Environment ("*", or a list naming Environment) gets only its
// own variables; one that ignores other properties still inherits them.
func TestIgnoreGlobals(t *testing.T) {
	tpl := mustParse(t, `
Globals:
  Function:
    Environment:
      Variables: {SHARED: "1", SECRET: "2"}
Resources:
  All: {Type: AWS::Serverless::Function}
  NoEnv:
    Type: AWS::Serverless::Function
    IgnoreGlobals: [Environment, VpcConfig]
    Properties: {Environment: {Variables: {OWN: "3"}}}
  Star: {Type: AWS::Serverless::Function, IgnoreGlobals: "*"}
  Other: {Type: AWS::Serverless::Function, IgnoreGlobals: [VpcConfig]}
`)
	for id, want := range map[string]string{
		"All":   `{"SECRET":"2","SHARED":"1"}`,
		"NoEnv": `{"OWN":"3"}`,
		"Star":  `{}`,
		"Other": `{"SECRET":"2","SHARED":"1"}`,
	} {
		env, _, err := tpl.FunctionEnv(id, nil)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if env == nil {
			env = map[string]string{}
		}
		got, _ := json.Marshal(env)
		if string(got) != want {
			t.Errorf("%s: env %s, want %s", id, got, want)
		}
	}
	for _, bad := range []string{
		"Resources:\n  F: {Type: AWS::Serverless::Function, IgnoreGlobals: Environment}\n",
		"Resources:\n  F: {Type: AWS::Serverless::Function, IgnoreGlobals: [{a: b}]}\n",
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
