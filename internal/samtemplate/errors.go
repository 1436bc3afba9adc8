package samtemplate

import (
	"errors"
	"fmt"
)

// The sentinels every error of this package wraps (test with errors.Is).
// An error that reports several problems (errors.Join) wraps the sentinel
// of each.
var (
	// ErrInvalid: the template is not a CloudFormation/SAM template this
	// package can read, or an expression in it is malformed (a Ref to a
	// name that does not exist, an Fn::Select index out of range, a
	// condition cycle, ...). CloudFormation would reject it too.
	ErrInvalid = errors.New("invalid template")
	// ErrParameter: a parameter value is missing (needed, not given, no
	// Default), not allowed by the parameter's constraints, or given for
	// a name the template does not declare.
	ErrParameter = errors.New("parameter value")
	// ErrUnsupported: the template is valid, but evaluating it needs
	// something this package deliberately does not do (an intrinsic
	// function it does not evaluate, a condition that depends on a
	// deployed value, an AllowedPattern Go's regexp cannot compile).
	ErrUnsupported = errors.New("not supported by the local evaluator")
	// ErrNoFunction: FunctionEnv was asked for a logical id that is not
	// an AWS::Serverless::Function or AWS::Lambda::Function.
	ErrNoFunction = errors.New("no such function")
	// ErrNotCreated: the resource's Condition is false for the given
	// parameters, so the stack would not have it.
	ErrNotCreated = errors.New("not created, its Condition is false")
)

// problemf makes one problem: the sentinel first, then where (a line
// number when known) and what.
func problemf(sentinel error, line int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		return fmt.Errorf("%w: line %d: %s", sentinel, line, msg)
	}
	return fmt.Errorf("%w: %s", sentinel, msg)
}

// joinProblems prefixes each problem with the package name and joins
// them; nil when there are none.
func joinProblems(problems []error) error {
	if len(problems) == 0 {
		return nil
	}
	out := make([]error, len(problems))
	for i, p := range problems {
		out[i] = fmt.Errorf("samtemplate: %w", p)
	}
	return errors.Join(out...)
}
