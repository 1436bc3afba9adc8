package authorizer

import "github.com/aws/aws-lambda-go/events"

// Effect is the effect of an IAM policy statement: Allow or Deny, never a
// free string.
type Effect string

// The two effects an authorizer returns.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// InvokeAction is the only action an authorizer policy grants or denies.
const InvokeAction = "execute-api:Invoke"

// policyVersion is the IAM policy language version of every policy.
const policyVersion = "2012-10-17"

// NewPolicy builds the policy document of a REST (v1) authorizer response:
// one statement with effect for exactly the method ARN that was called.
// Caching is off (TTL 0), so the policy never needs to cover other methods,
// and naming the exact ARN means a policy can never grant more than the one
// request it was computed for.
func NewPolicy(effect Effect, arn MethodARN) events.APIGatewayCustomAuthorizerPolicy {
	return new(policyBacking).policy(effect, arn.String())
}

// policyBacking holds what a policy's slices point to; a response keeps
// one inline, so that the response and its policy are one allocation.
type policyBacking struct {
	statement        [1]events.IAMPolicyStatement
	action, resource [1]string
}

// policy is NewPolicy for an ARN already in text (the event's, which
// ParseMethodARN has checked), or "*" for BadEventResponse.
func (b *policyBacking) policy(effect Effect, resource string) events.APIGatewayCustomAuthorizerPolicy {
	b.action[0], b.resource[0] = InvokeAction, resource
	b.statement[0] = events.IAMPolicyStatement{Action: b.action[:], Effect: string(effect), Resource: b.resource[:]}
	return events.APIGatewayCustomAuthorizerPolicy{Version: policyVersion, Statement: b.statement[:]}
}
