// Package frontendexample is the browser example of sessiongate: a small
// static app (index.html, app.js, style.css) on the unmodified
// supertokens-web-js SDK, whose browser bundles are vendored in vendor/ so
// that nothing needs building. The local gateway serves Files at "/".
//
// The app signs in through the local gateway's demo route, calls /api/me
// and /api/admin with plain fetch, and lets the SDK do the rest: the rid
// anti-CSRF header, 401 → refresh → retry with a cross-tab lock, and the
// front-token state behind the session panel. Its "Active sessions" panel
// lists the user's sessions (GET <apiPrefix>/auth/sessions) and ends them
// (DELETE <apiPrefix>/auth/sessions/{id}, POST
// <apiPrefix>/auth/sessions/revoke-others) through the same SDK-patched
// fetch. Before it starts the SDK it reads example-config.json beside the
// page: {"apiPrefix":"/prod"} puts every API path, the SDK's own included,
// under that prefix (the local gateway answers it, with -stage prod,
// outside the stage); without the file (404) the API is at the root. The SDK runs in cookie mode; opened as
// /?mode=header it runs in header mode (tokenTransferMethod "header"): the
// tokens travel in st-access-token / st-refresh-token response headers and
// Authorization: Bearer request headers, and the SDK keeps them where page
// scripts can read them. Its Chromium tests live in tests/ and run with
// `node --test tests/` (make test runs them); deploy-fidelity runs the
// example under /prod with the deployed configuration, header-mode runs it
// in header mode, sessions-panel signs one user in on several browser
// contexts and ends sessions from the panel.
package frontendexample

import "embed"

// Files holds the app as served: the page, its script and style, and the
// vendored SDK bundles with their licence. node_modules, tests and scripts
// are not part of it.
//
//go:embed index.html app.js style.css vendor
var Files embed.FS
