package deploy

import _ "embed"

// The deployable files of the example API, embedded byte for byte. Treat
// them as read-only.
//
// OpenAPI, HTTPAPI and Rules are rendered from api.yaml by `sessiongate
// render` (a test fails when they drift). cmd/localgateway serves OpenAPI
// (or HTTPAPI with -http-api) through package gatewayresponses and enforces
// Rules when no -api folder is given, so the local gateway runs exactly
// what is deployed.
var (
	// OpenAPI is openapi.json: the REST API definition that template.yaml
	// includes (AWS::Include resolves its ${...} references).
	//
	//go:embed openapi.json
	OpenAPI []byte

	// HTTPAPI is httpapi-openapi.json: the HTTP API variant.
	//
	//go:embed httpapi-openapi.json
	HTTPAPI []byte

	// Rules is rules.json: the route rules (a JSON array of
	// authorizer.Rule) that build.sh packages beside the authorizer.
	//
	//go:embed rules.json
	Rules []byte

	// Template is template.yaml: the SAM template.
	//
	//go:embed template.yaml
	Template []byte
)
