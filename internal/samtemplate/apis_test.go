package samtemplate

import (
	"reflect"
	"testing"
)

// The shape a template takes to deploy either API type: an ApiType
// parameter, a condition per type, one API resource per condition, the
// functions' settings in Globals.
const apiTypeTemplate = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  ApiType:
    Type: String
    Default: REST
    AllowedValues: [REST, HTTP]
  StageName:
    Type: String
    Default: prod
    AllowedPattern: "^[A-Za-z0-9_]+$"
Conditions:
  IsRest: !Equals [!Ref ApiType, REST]
  IsHttp: !Not [!Condition IsRest]
Globals:
  Function:
    Runtime: provided.al2023
    Environment:
      Variables:
        API_BASE_PATH: /auth
        API_TYPE: !If [IsHttp, http, rest]
Resources:
  RestApi:
    Type: AWS::Serverless::Api
    Condition: IsRest
    Properties:
      StageName: !Ref StageName
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters:
            Location: openapi.json
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Condition: IsHttp
    Properties:
      StageName: !Ref StageName
      DefinitionBody: !Transform {Name: AWS::Include, Parameters: {Location: httpapi-openapi.json}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          API_ID: !If [IsRest, !Ref RestApi, !Ref HttpApi]
          STAGE_URL: !If [IsRest, !Sub "https://${RestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${StageName}", !GetAtt HttpApi.ApiEndpoint]
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      SourceArn: !If [IsRest, !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestApi}/*", !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*"]
`

func TestAPITypeParameter(t *testing.T) {
	tpl := mustParse(t, apiTypeTemplate)
	want := []API{
		{LogicalID: "HttpApi", Type: TypeHTTPAPI, Condition: "IsHttp", DefinitionLocation: "httpapi-openapi.json", StageName: "prod"},
		{LogicalID: "RestApi", Type: TypeAPI, Condition: "IsRest", DefinitionLocation: "openapi.json", StageName: "prod"},
	}
	if got := tpl.APIs(); !reflect.DeepEqual(got, want) {
		t.Errorf("APIs()\n got %+v\nwant %+v", got, want)
	}
	for _, c := range []struct {
		apiType string
		api     API
		env     map[string]string
	}{
		{"REST", want[1], map[string]string{"API_BASE_PATH": "/auth", "API_TYPE": "rest"}},
		{"HTTP", want[0], map[string]string{"API_BASE_PATH": "/auth", "API_TYPE": "http"}},
	} {
		params := map[string]string{"ApiType": c.apiType}
		got, err := tpl.APIsFor(params)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, []API{c.api}) {
			t.Errorf("ApiType=%s: APIsFor = %+v", c.apiType, got)
		}
		// Only the chosen Fn::If branch is evaluated: the other names an
		// API the stack does not have.
		env, unresolved, err := tpl.FunctionEnv("Fn", params)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(env, c.env) || !reflect.DeepEqual(unresolved, []string{"API_ID", "STAGE_URL"}) {
			t.Errorf("ApiType=%s: env %q unresolved %q", c.apiType, env, unresolved)
		}
		isHTTP, err := tpl.Condition("IsHttp", params)
		if err != nil || isHTTP != (c.apiType == "HTTP") {
			t.Errorf("ApiType=%s: IsHttp = %v, %v", c.apiType, isHTTP, err)
		}
	}
	got, err := tpl.APIsFor(map[string]string{"StageName": "dev"})
	if err != nil || len(got) != 1 || got[0].StageName != "dev" {
		t.Errorf("StageName=dev: %+v, %v", got, err)
	}
	_, err = tpl.APIsFor(map[string]string{"ApiType": "WEBSOCKET"})
	wantErr(t, err, []error{ErrParameter}, []string{`ApiType "WEBSOCKET" is not one of AllowedValues`})
}

func TestAPIDefinitionLocationAndStage(t *testing.T) {
	tpl := mustParse(t, `
Parameters:
  Stage: {Type: String}
Globals:
  Api:
    DefinitionUri: global-openapi.yaml
Resources:
  AUri: {Type: AWS::Serverless::Api, Properties: {StageName: v1, DefinitionUri: api.yaml}}
  BS3: {Type: AWS::Serverless::Api, Properties: {StageName: v1, DefinitionUri: {Bucket: b, Key: k/api.json}}}
  CInline: {Type: AWS::Serverless::Api, Properties: {StageName: v1, DefinitionBody: {openapi: "3.0.1"}}}
  DGlobal: {Type: AWS::Serverless::Api, Properties: {StageName: !Ref Stage}}
  EHttpDefault: {Type: AWS::Serverless::HttpApi}
  FHttpNoValue: {Type: AWS::Serverless::HttpApi, Properties: {StageName: !Ref AWS::NoValue}}
  GUnknownStage: {Type: AWS::Serverless::Api, Properties: {StageName: !GetAtt Topic.TopicName}}
  Topic: {Type: AWS::SNS::Topic}
`)
	want := []API{
		{LogicalID: "AUri", Type: TypeAPI, DefinitionLocation: "api.yaml", StageName: "v1"},
		{LogicalID: "BS3", Type: TypeAPI, DefinitionLocation: "s3://b/k/api.json", StageName: "v1"},
		{LogicalID: "CInline", Type: TypeAPI, StageName: "v1"},
		{LogicalID: "DGlobal", Type: TypeAPI, DefinitionLocation: "global-openapi.yaml"}, // Stage has no Default
		{LogicalID: "EHttpDefault", Type: TypeHTTPAPI, StageName: "$default"},
		{LogicalID: "FHttpNoValue", Type: TypeHTTPAPI, StageName: "$default"},
		{LogicalID: "GUnknownStage", Type: TypeAPI, DefinitionLocation: "global-openapi.yaml"},
	}
	if got := tpl.APIs(); !reflect.DeepEqual(got, want) {
		t.Errorf("APIs()\n got %+v\nwant %+v", got, want)
	}
	_, err := tpl.APIsFor(map[string]string{"Stage": "beta"})
	wantErr(t, err, []error{ErrUnsupported}, []string{"GUnknownStage: StageName is a value not known locally"})
	_, err = tpl.APIsFor(nil)
	wantErr(t, err, []error{ErrParameter, ErrUnsupported}, []string{"parameter Stage is needed", "GUnknownStage"})
}
