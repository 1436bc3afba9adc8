// Command reference is the yardstick cmd/runtimebench measures the
// authorizer against: a Lambda function built the way the authorizer is
// (bootstrap, -tags lambda.norpc, provided.al2023) that does as little as a
// function can, in one of three modes chosen by RUNTIMEBENCH_REFERENCE at
// start-up:
//
//   - noop: reads nothing of the event and answers a fixed Allow policy of
//     the authorizer's shape. What is left is the Runtime API round trip
//     and aws-lambda-go's loop: the part of an invocation no function
//     avoids.
//   - get: the same, plus one Redis GET of the key RUNTIMEBENCH_GET_KEY
//     (cmd/runtimebench passes the record of the session its event
//     carries, so the reply is as large as the authorizer's), through a
//     client built as the authorizer's store builds its own
//     (redisstore.ClientConfigFromEnv and redisstore.NewClient: REDIS_URL,
//     REDIS_MODE, pool, timeouts) and under the store's per-call deadline
//     (redisstore.DefaultTimeout, or the invocation's earlier one). A
//     failed GET is a function error.
//   - floor: the least an authorizer meeting docs/protocol.md does per
//     REST invocation. One strict pass of encoding/json/v2
//     (github.com/go-json-experiment/json, the authorizer's decoder, with
//     its strict defaults) over the event keeps type and methodArn and the
//     values of the Cookie headers (multiValueHeaders when the event has
//     them, else headers, any letter case) and only validates the rest;
//     the access cookie's copies are found with
//     authorizer.AppendCookieValues and decoded with
//     session.Manager.InspectAccess (securecookie with SESSION_KEYS, as
//     the engine decodes them); the first copy that decodes names the
//     session whose record is read with one GET, as in mode get (a copy
//     whose record is not there is passed over, as the engine passes it
//     over); the answer is the same fixed Allow. Nothing in the record is
//     checked and nothing is written: no expiry, revocation, route rule or
//     anti-CSRF check, no rotation, no log line. The record's key is
//     RUNTIMEBENCH_KEY_PREFIX + session id + RUNTIMEBENCH_KEY_SUFFIX
//     (cmd/runtimebench reads the parts off the record it finds in Redis).
//     An event without such a cookie, or a failed GET, is a function
//     error.
//
// The difference between noop and get is what one round trip to Redis
// costs inside a Lambda invocation on this machine; the authorizer's extra
// time over noop, divided by it, is the figure cmd/runtimebench reports,
// and the floor's extra time, divided by it, is how low any authorizer
// meeting the requirements can bring that figure here. The function logs
// nothing per invocation and never prints the event.
package main
