// Command runtimebench measures the authorizer as Lambda runs it: the real
// cmd/authorizer binary, built as bootstrap with -tags lambda.norpc
// (GOOS=linux, this machine's architecture, CGO_ENABLED=0, as
// deploy/build.sh builds it), answering invocations through a Lambda
// Runtime API, against a real redis-server.
//
//	go run ./cmd/runtimebench            # 3000 invocations of each function
//	go run ./cmd/runtimebench -n 10000   # more, for steadier tails
//	go run ./cmd/runtimebench -redis redis://127.0.0.1:6380/0
//
// Run it from the repository (it builds the functions with `go build`), on
// Linux, with redis-server on PATH (scripts/install-test-deps.sh) unless
// -redis names a Redis to use; it writes only keys of its own session there.
//
// # What it measures
//
// Four functions, each its own process behind its own Runtime API
// (internal/lambdaemu: GET .../invocation/next, POST .../response):
//
//   - authorizer: cmd/authorizer with route rules beside it (rules.json,
//     as packaged), production logging, and a session created through
//     session.Manager with the same SESSION_KEYS and lifetimes;
//   - noop: a function that reads nothing of the event and answers a fixed
//     Allow policy (cmd/runtimebench/internal/reference) — the Runtime API
//     round trip and aws-lambda-go's loop, which no function avoids;
//   - noop + one GET: the same binary, plus one Redis GET of the session's
//     record through a client configured exactly as the authorizer's store
//     configures its own, under the store's per-call deadline;
//   - floor: the same binary doing the least an authorizer meeting
//     docs/protocol.md does per invocation: one strict pass of
//     encoding/json/v2 (github.com/go-json-experiment/json, as the
//     authorizer decodes events) over the event keeping type, methodArn and
//     the Cookie headers' values, every other member only validated; the
//     access cookie found in them (authorizer.AppendCookieValues) and
//     decoded with the same SESSION_KEYS (session.Manager.InspectAccess);
//     one GET of the record of the session the cookie names, under the
//     store's per-call deadline; the same fixed Allow. It checks nothing in
//     the record and writes nothing, so it is not an authorizer but the
//     cost any authorizer meeting the requirements pays before its own
//     decisions (authorizer's BenchmarkPairedFloor, "event+cookie+get",
//     measures the same work in-process, with the cookie handed to it).
//
// Every one is sent the same event: a REST API (payload 1.0) REQUEST
// authorizer event for GET /api/reports/q3 with a browser's headers behind
// CloudFront (2–3 KB) and the session's access cookie, to which a
// route rule applies. The authorizer must answer Allow every time (and the
// references too): anything else stops the run with an error, since a run
// that measured a denial or a store failure would measure the wrong path.
// The lifetimes are long enough that no rotation happens during a run.
//
// After -warmup untimed invocations of each (dial, script load, warm
// caches), it runs -n rounds; a round invokes each function once and times
// one bare GET from this process, in an order drawn afresh for every round,
// so that whatever else the machine does weighs on all five alike. An
// invocation's time runs from handing the event to the Runtime API to the
// arrival of the function's answer there.
//
// # What it prints
//
// p50, p90 and p99 of each function and of the bare GET, then the figure
// issue 14 sets a target for (≤ 1.15):
//
//	(authorizer p50 − noop p50) / (noop+GET p50 − noop p50)
//
// the authorizer's cost over an invocation that does nothing, in units of
// what one Redis round trip costs inside an invocation on this machine; and
// the same ratio from paired differences (the median over rounds of
// authorizer − noop, over the median of noop+GET − noop), which drifts less
// when the machine's load changes during a run. Then the same two ratios
// for the floor:
//
//	(floor p50 − noop p50) / (noop+GET p50 − noop p50)
//
// with how far the target is from it: a floor above 1.15 means that no
// authorizer meeting the requirements reaches the target on this machine,
// and a floor below it leaves the difference for the authorizer's own
// checks (the record's expiry and revocation, route rules, anti-CSRF,
// logging). It also prints the regime
// the figures belong to: the usable CPUs (as nproc counts them), the CPU
// model from /proc/cpuinfo, the Go and redis-server versions, and the bare
// GET's own latencies — on a VM whose loopback round trip is dominated by
// waking an idle vCPU, the same code gives a different ratio than on one
// that wakes fast (BENCHMARKS.md). Run it on an otherwise idle machine.
//
// # What it does not do
//
// It does not emulate Lambda's CPU share for a memory size, its freeze
// between invocations, a VPC's network or ElastiCache: everything runs on
// this machine. It never prints an event, a cookie or a response; when a
// function fails it prints the end of that function's output, which holds
// allow-listed log fields only.
package main
