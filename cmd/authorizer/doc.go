// Command authorizer is the sessiongate REQUEST authorizer as an AWS Lambda
// function (runtime provided.al2023, arm64 or amd64), for REST APIs (payload
// 1.0) and HTTP APIs (payload 2.0, simple responses) alike.
//
// # Build
//
// deploy/build.sh builds the package API Gateway runs: authorizer.zip with
// the binary as bootstrap and, beside it, the route rules that
// `sessiongate render` derived from the API definition (rules.json). By hand:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -o bootstrap ./cmd/authorizer
//	zip -X authorizer.zip bootstrap rules.json
//
// # Route rules: where they come from
//
// The rules (a JSON array of authorizer.Rule) are read once, at start-up,
// from the first of these that applies:
//
//  1. AUTHZ_RULES, when it is not blank: the rules themselves, as JSON. An
//     explicit override; the deployed template does not set it.
//  2. AUTHZ_RULES_FILE, when it is not blank: the path of a rules file. A
//     missing file is an error; there is no fallback to (3).
//  3. rules.json in the directory of the running executable: in Lambda,
//     /var/task/rules.json beside /var/task/bootstrap, where build.sh puts it.
//
// When none applies the function refuses to start and says how to build the
// package: an authorizer without its rules would let every valid session
// reach every route, so a missing rule set fails closed. A rules file that
// is empty, not JSON, or names an unknown field is an error too; "[]" is the
// explicit "no route rules". The start-up log line "route rules loaded"
// names the source and the number of rules.
//
// # Configuration
//
// The rest of the configuration comes from the environment, as for every
// sessiongate binary (README.md, "Configuration"): REDIS_URL, REDIS_MODE,
// SESSION_KEYS, the SESSION_* lifetimes, COOKIE_*, API_BASE_PATH,
// STAGE_PREFIX, ALLOWED_ORIGINS, ANTI_CSRF, and for this function LOG_LEVEL
// (debug, info, warn, error; default info) and LOG_SALT (keys the hashes of
// session and user ids in logs, internal/logid: set the same value for the
// session API and the operator tool to correlate their lines; default
// random per process). Invalid configuration
// stops the function at start with one message listing every problem, and
// never prints a key.
//
// The Redis client is built once, during the init phase, without network
// I/O: the first invocation dials. Configure the authorizer in API Gateway
// with caching off (TTL 0) and no identity sources (deploy/README.md).
package main
