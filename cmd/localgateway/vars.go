package main

import (
	"regexp"
	"strings"
)

// Identifiers of the local "deployment" in ARNs, request contexts and the
// pseudo parameters.
const (
	localRegion    = "local"
	localAccount   = "000000000000"
	localPartition = "aws"
	localAPIID     = "localapi"
	// rootStage is the stage name events carry when the API is served at
	// the root (no -stage), as behind a custom domain's root mapping.
	rootStage = "local"
)

// subRef finds the ${...} references of a definition's Fn::Sub strings.
var subRef = regexp.MustCompile(`\$\{([^}]*)\}`)

// definitionVars returns a value for every ${...} the definition refers
// to, as CloudFormation would give them at deploy time, for a run on one
// machine:
//
//   - the pseudo parameters AWS::Partition, AWS::Region (local),
//     AWS::AccountId, AWS::URLSuffix and AWS::StackName;
//   - params: the template's parameters (or, without a template, the
//     -param values and the local AllowedOrigin and EchoBackendUrl);
//   - ${Name.Arn}: a Lambda function ARN in region local (the gateway
//     dispatches a Lambda integration on the logical id, not on the ARN;
//     the ARN of anything else, such as a role, is not used locally);
//   - any other ${Resource.Attribute}: "local" — an attribute of a
//     resource only a deployment creates (an AppSync API's host, a role's
//     ARN). AWS integrations are sent by the service their URI names
//     (-service), whatever the rest of it says.
//
// A reference to anything else stays without a value, and loading the
// definition reports it.
func definitionVars(def []byte, params map[string]string) map[string]string {
	v := map[string]string{
		"AWS::Partition": localPartition, "AWS::Region": localRegion, "AWS::AccountId": localAccount,
		"AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "localgateway",
	}
	for k, val := range params {
		v[k] = val
	}
	for _, m := range subRef.FindAllSubmatch(def, -1) {
		ref := string(m[1])
		if _, ok := v[ref]; ok || strings.HasPrefix(ref, "!") {
			continue
		}
		res, attr, dotted := strings.Cut(ref, ".")
		switch {
		case !dotted || res == "" || attr == "":
		case attr == "Arn":
			v[ref] = localFunctionARN(res)
		default:
			v[ref] = "local"
		}
	}
	return v
}

func localFunctionARN(fn string) string {
	return "arn:" + localPartition + ":lambda:" + localRegion + ":" + localAccount + ":function:" + fn
}
