package deploy

import _ "embed"

// OpenAPI is deploy/openapi.json, embedded byte for byte: the very REST API
// definition that deploy/template.yaml includes and API Gateway runs, with
// its ${...} references unresolved. cmd/localgateway loads it through
// gatewayresponses.Load, so the local gateway serves exactly what is
// deployed. Treat it as read-only.
//
//go:embed openapi.json
var OpenAPI []byte
