// Command reference is the yardstick cmd/runtimebench measures the
// authorizer against: a Lambda function built the way the authorizer is
// (bootstrap, -tags lambda.norpc, provided.al2023) that does as little as a
// function can, in one of two modes chosen by RUNTIMEBENCH_REFERENCE at
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
//
// The difference between the two is what one round trip to Redis costs
// inside a Lambda invocation on this machine; the authorizer's extra time
// over noop, divided by it, is the figure cmd/runtimebench reports. The
// function logs nothing per invocation and never prints the event.
package main
