// Package samtemplate reads a SAM (or plain CloudFormation) template and
// evaluates, on this machine, the parts of it a local run needs: each
// Lambda function's environment and the APIs' definition files and
// stages. The local gateway (cmd/localgateway) uses it so that a local
// run has the configuration the template deploys — the same variables,
// the same parameter defaults, the same conditions — instead of a second
// copy of that configuration that drifts.
//
// # What it evaluates
//
// Parse reads YAML (short-form tags !Ref, !Sub, !GetAtt, !If, !Join,
// !Select, !Split, !Equals, !Not, !And, !Or, !Condition, ... rewritten
// to their long forms) or JSON, and checks the structure, reporting
// every problem at once: the sections, each parameter's declaration,
// each resource's Type and Condition.
//
// Template.FunctionEnv merges Globals.Function.Environment.Variables
// with a function's own Environment.Variables (the function's value wins
// for a name in both, as SAM merges them; an AWS::Lambda::Function gets
// no Globals) and evaluates each value with the parameter values given,
// the Default for the rest:
//
//   - Ref to a parameter (a CommaDelimitedList or List<...> gives a
//     list) or a pseudo parameter. Pseudo parameters have fixed local
//     values: AWS::Region "local", AWS::Partition "aws", AWS::AccountId
//     "000000000000", AWS::StackName "local", AWS::URLSuffix
//     "amazonaws.com". Ref AWS::NoValue removes the variable.
//   - Fn::Sub in both forms, with ${Param}, ${AWS::Region}, ${Var} of the
//     [string, {Var: value}] form, ${Resource}, ${Resource.Attribute}
//     and the ${!Literal} escape; Fn::If, Fn::Join, Fn::Select,
//     Fn::Split, Fn::Base64, Fn::FindInMap.
//   - Conditions: Fn::Equals, Fn::Not, Fn::And, Fn::Or and Condition,
//     each evaluated once, a cycle being an error.
//
// Parameter values — given or Default — are checked as CloudFormation
// checks them before it creates a stack: AllowedValues, AllowedPattern
// (matching the whole value), MinLength/MaxLength, MinValue/MaxValue and
// number syntax. Naming a parameter the template does not declare is an
// error, as it is for CloudFormation; Template.Parameters lists them. A
// parameter with neither a given value nor a Default is an error, naming
// it, only when something evaluated needs it, so a caller can leave out
// what it will not use.
//
// # What it refuses, and why
//
// The local gateway must never guess a deployed value. A value that
// exists only once the stack is deployed — Fn::GetAtt of a resource, a
// Ref or ${...} to a resource (its physical id), a {{resolve:...}}
// dynamic reference (Secrets Manager, SSM), Fn::ImportValue,
// Fn::GetAZs, a parameter of an AWS::SSM::Parameter::Value<...> type,
// AWS::StackId — is not invented: the variable that depends on it is
// listed in FunctionEnv's unresolved and left out of the environment.
// The caller decides what stands in for it locally (the local gateway's
// own Redis and keys, say) and says so; nothing here picks a plausible
// value silently.
//
// Everything else it cannot evaluate exactly is an error, never a
// best effort: an intrinsic function it does not implement (Fn::Cidr,
// Fn::Transform in a value, Fn::ToJsonString, Fn::Length, ...) is
// ErrUnsupported naming the function, the variable and the intrinsic; a
// condition that depends on a deployed value is ErrUnsupported; a
// malformed expression, a Ref to nothing, a Ref to a resource whose
// Condition is false, an out-of-range Fn::Select is ErrInvalid. A shape
// of SAM's Globals merge it does not reproduce (an intrinsic function
// choosing the Environment on one side while the other side is set too)
// is ErrUnsupported. FunctionEnv reports every problem at once, each
// wrapping one of the package's sentinels.
//
// # Conditions on resources
//
// A function whose Condition is false is not part of the stack:
// FunctionsFor(params) leaves it out and FunctionEnv reports
// ErrNotCreated. Functions() is the same list with every parameter at
// its Default, keeping a function whose Condition cannot be decided
// without a value. APIs() lists every API with its Condition's name
// (evaluate it with Template.Condition); APIsFor(params) lists the APIs
// the stack has. SAM's Globals have no Condition — Parse refuses one —
// so a value that differs by condition is written with Fn::If.
//
// # What it does not do
//
// It is not a SAM transform or a template validator: it does not check
// resource properties (the SAM schema and cfn-lint do), evaluate Rules,
// Outputs or resource properties other than the environment and the
// APIs', create the implicit API SAM derives from functions' Api events,
// or apply any transform other than reading AWS::Include's Location. An
// AllowedPattern written in Java regex syntax that Go's RE2 cannot
// compile (lookaround, backreferences) is refused rather than skipped.
//
// The YAML and JSON parsers are maintained ones (gopkg.in/yaml.v3,
// encoding/json); the evaluator over their output is this package's own,
// because no Go library evaluates CloudFormation intrinsics. It treats
// every template as untrusted input: a fuzz target runs Parse and every
// evaluation, nesting and built strings are bounded, YAML aliases are
// refused.
package samtemplate
