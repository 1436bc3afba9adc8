// Package deploy is the deployable definition of sessiongate's example API
// and the tests that keep it honest. Its only Go code embeds the files that
// the local gateway serves (embed.go: OpenAPI, HTTPAPI, Rules, Template).
//
// One source, derived everywhere: api.yaml is the example API as a team
// writes its own (OpenAPI 3 with x-amazon-apigateway-integration and
// x-sessiongate annotations). `sessiongate render` derives the rest:
//
//   - openapi.json — the REST API definition: authorizer, security, identity
//     and cookie mappings, CORS preflights, session API routes, gateway
//     responses.
//   - httpapi-openapi.json — the HTTP API variant, without the routes an
//     HTTP API cannot serve.
//   - rules.json — the route rules the authorizer enforces.
//   - gateway-responses.cfn.json — the gateway responses as CloudFormation.
//
// The deployment:
//
//   - template.yaml — the SAM template. Parameter ApiType (REST | HTTP)
//     selects the API: an AWS::Serverless::Api or AWS::Serverless::HttpApi
//     whose body is the rendered document, included with AWS::Include
//     (which resolves its Fn::Sub values). The configuration the authorizer
//     and the session API share is in Globals, once (LOG_SALT from a secret
//     the stack generates, so their hashed ids correlate); neither
//     AUTHZ_RULES nor STAGE_PREFIX is set. Each function logs to a log
//     group of its own with RetentionInDays from LogRetentionDays, and
//     CloudWatch alarms watch token theft, session store errors and
//     authorizer errors (AlarmTopicArn notifies). Its description and
//     outputs state the same-site requirement.
//   - build.sh — builds dist/{authorizer,sessionapi,examplebackend}.zip;
//     authorizer.zip carries rules.json beside bootstrap, where
//     cmd/authorizer reads it.
//   - tools/ — the OpenAPI validator (node deploy/tools/validate-openapi.mjs).
//
// The tests convert template.yaml to JSON, rewriting short-form intrinsics
// (!Ref, !Sub, !GetAtt, ...) to their long form because a plain YAML decode
// silently drops those tags, and evaluate its conditions for each ApiType.
// They check it against AWS's published SAM schema (and every
// examples/*/template.yaml too), the properties of every plain
// CloudFormation resource (which that schema does not check), that every
// ${Name} a rendered document uses exists in its template, that API Gateway
// may invoke every function it calls, that each function's environment holds
// only variables its command reads, that every alarm watches a metric
// exactly as the code emits it (observability_test.go runs the authorizer
// and the session API to read the names off their output), and that the
// built authorizer package carries exactly deploy/rules.json. README.md in this directory is the
// deployment guide.
package deploy
