// Package lambdaemu is test support: a miniature AWS Lambda runtime
// emulator that runs the project's real Lambda binaries (cmd/authorizer,
// cmd/sessionapi, cmd/examplebackend, built as deployed) on this machine,
// without Docker, the AWS runtime interface emulator or SAM.
//
// It has two layers:
//
//   - Runtime serves the part of the Lambda Runtime API (2018-06-01) that a
//     provided.al2023 function speaks: GET /runtime/invocation/next (with
//     the Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms and
//     Lambda-Runtime-Invoked-Function-Arn headers), POST
//     /runtime/invocation/{id}/response, POST /runtime/invocation/{id}/error
//     and POST /runtime/init/error. Runtime.Start execs a binary with
//     AWS_LAMBDA_RUNTIME_API pointing at it; Runtime.Invoke hands that
//     process one event and returns what it posted, with the time it
//     arrived (for cold-start measurements).
//   - Server serves the Lambda Invoke API (POST
//     /2015-03-31/functions/{name}/invocations) in front of one Runtime per
//     Function, as `sam local start-lambda` does: a function's response is a
//     200 with the response as the body; a function error (an error
//     returned or a panic, an init error, a process that exits or times
//     out) is a 200 with X-Amz-Function-Error: Unhandled and the
//     {"errorMessage","errorType"} body; an unknown function is a 404
//     ResourceNotFoundException. A function's process starts on its first
//     invocation and is started again after it exits or times out, as
//     Lambda replaces a sandbox.
//
// Build compiles main packages the way they are deployed (-tags
// lambda.norpc -trimpath, CGO_ENABLED=0) for this machine.
//
// A program that is not a test (cmd/runtimebench, which measures the
// authorizer under this Runtime API) uses Listen instead of NewRuntime and
// BuildBootstrap instead of Build: the same Runtime and build, without
// testing.TB, stopped by its own Close.
//
// What it deliberately does not do: run several processes of one function
// (invocations of a function are served one at a time, in order), emulate
// asynchronous invocation, qualifiers, the Extensions or Telemetry APIs,
// memory limits or response streaming, or check credentials. Each process
// gets exactly the Function's environment plus AWS_LAMBDA_RUNTIME_API and
// AWS_LAMBDA_FUNCTION_NAME: nothing leaks in from the test's environment.
//
// In a test, everything it starts is stopped through testing.TB.Cleanup;
// when the test has failed, the output of each function process is logged
// then, to explain why. The project's functions never log a cookie, a
// header dump or a whole event, so neither does this.
package lambdaemu
