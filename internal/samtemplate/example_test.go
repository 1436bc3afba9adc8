package samtemplate_test

import (
	"fmt"
	"log"

	"github.com/sessiongate/sessiongate/internal/samtemplate"
)

func ExampleTemplate_FunctionEnv() {
	tpl, err := samtemplate.Parse([]byte(`
Parameters:
  StageName: {Type: String, Default: prod, AllowedPattern: "^[A-Za-z0-9_]+$"}
  CookieDomain: {Type: String, Default: ""}
Conditions:
  HasCookieDomain: !Not [!Equals [!Ref CookieDomain, ""]]
Globals:
  Function:
    Environment:
      Variables:
        API_BASE_PATH: /auth
        STAGE_PREFIX: !Sub /${StageName}
Resources:
  AuthorizerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          REDIS_URL: !Sub "rediss://${Cache.Endpoint.Address}:${Cache.Endpoint.Port}"
          SESSION_KEYS: "{{resolve:secretsmanager:app/keys:SecretString}}"
          COOKIE_DOMAIN: !If [HasCookieDomain, !Ref CookieDomain, !Ref AWS::NoValue]
  Cache:
    Type: AWS::ElastiCache::ServerlessCache
`))
	if err != nil {
		log.Fatal(err)
	}
	env, unresolved, err := tpl.FunctionEnv("AuthorizerFunction", map[string]string{"StageName": "dev"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(env)
	fmt.Println("known only to the deployed stack:", unresolved)

	_, _, err = tpl.FunctionEnv("AuthorizerFunction", map[string]string{"StageName": "dev/1"})
	fmt.Println(err)
	// Output:
	// map[API_BASE_PATH:/auth STAGE_PREFIX:/dev]
	// known only to the deployed stack: [REDIS_URL SESSION_KEYS]
	// samtemplate: parameter value: StageName "dev/1" does not match AllowedPattern "^[A-Za-z0-9_]+$"
}

func ExampleTemplate_APIsFor() {
	tpl, err := samtemplate.Parse([]byte(`
Parameters:
  ApiType: {Type: String, Default: REST, AllowedValues: [REST, HTTP]}
Conditions:
  IsRest: !Equals [!Ref ApiType, REST]
  IsHttp: !Equals [!Ref ApiType, HTTP]
Resources:
  RestApi:
    Type: AWS::Serverless::Api
    Condition: IsRest
    Properties:
      StageName: prod
      DefinitionBody: {"Fn::Transform": {Name: AWS::Include, Parameters: {Location: openapi.json}}}
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Condition: IsHttp
    Properties:
      DefinitionUri: httpapi-openapi.json
`))
	if err != nil {
		log.Fatal(err)
	}
	for _, apiType := range []string{"REST", "HTTP"} {
		apis, err := tpl.APIsFor(map[string]string{"ApiType": apiType})
		if err != nil {
			log.Fatal(err)
		}
		for _, a := range apis {
			fmt.Printf("%s: %s %s, stage %s\n", apiType, a.Type, a.DefinitionLocation, a.StageName)
		}
	}
	// Output:
	// REST: AWS::Serverless::Api openapi.json, stage prod
	// HTTP: AWS::Serverless::HttpApi httpapi-openapi.json, stage $default
}
