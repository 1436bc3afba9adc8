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
	return events.APIGatewayCustomAuthorizerPolicy{
		Version: policyVersion,
		Statement: []events.IAMPolicyStatement{{
			Action:   []string{InvokeAction},
			Effect:   string(effect),
			Resource: []string{arn.String()},
		}},
	}
}
