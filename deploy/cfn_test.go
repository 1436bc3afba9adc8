package deploy_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	gr "github.com/sessiongate/sessiongate/gatewayresponses"
)

// --- plain CloudFormation resources: the SAM schema does not check them ---

type propRule struct {
	allowed  []string
	required []string
	check    func(t *testing.T, name string, p map[string]any)
}

// executeAPISource is what every permission's SourceArn starts with: an
// execute-api ARN of this account and region, scoped to one API (a ${...}
// that names it) — never a wildcard API.
var executeAPISource = regexp.MustCompile(`^arn:\$\{AWS::Partition\}:execute-api:\$\{AWS::Region\}:\$\{AWS::AccountId\}:\$\{[A-Za-z0-9]+\}/.+`)

var cfnRules = map[string]propRule{
	"AWS::Lambda::Permission": {
		allowed:  []string{"Action", "FunctionName", "Principal", "SourceArn", "SourceAccount", "EventSourceToken", "FunctionUrlAuthType", "PrincipalOrgID"},
		required: []string{"Action", "FunctionName", "Principal", "SourceArn"},
		check: func(t *testing.T, name string, p map[string]any) {
			if p["Action"] != "lambda:InvokeFunction" || p["Principal"] != "apigateway.amazonaws.com" {
				t.Errorf("%s: Action %v Principal %v", name, p["Action"], p["Principal"])
			}
			sa, _ := p["SourceArn"].(map[string]any)
			sub, _ := subParts(sa["Fn::Sub"])
			if !executeAPISource.MatchString(sub) {
				t.Errorf("%s: SourceArn %q must be scoped to the API", name, sub)
			}
		},
	},
	"AWS::EC2::VPC": {
		allowed:  []string{"CidrBlock", "EnableDnsHostnames", "EnableDnsSupport", "InstanceTenancy", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "Tags"},
		required: []string{"CidrBlock"},
	},
	"AWS::EC2::Subnet": {
		allowed:  []string{"AssignIpv6AddressOnCreation", "AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "EnableDns64", "Ipv6CidrBlock", "Ipv6Native", "MapPublicIpOnLaunch", "OutpostArn", "PrivateDnsNameOptionsOnLaunch", "Tags", "VpcId"},
		required: []string{"VpcId", "CidrBlock", "AvailabilityZone"},
		check: func(t *testing.T, name string, p map[string]any) {
			if p["MapPublicIpOnLaunch"] == true {
				t.Errorf("%s: the session subnets are private", name)
			}
		},
	},
	"AWS::EC2::SecurityGroup": {
		allowed:  []string{"GroupDescription", "GroupName", "SecurityGroupEgress", "SecurityGroupIngress", "Tags", "VpcId"},
		required: []string{"GroupDescription", "VpcId", "SecurityGroupEgress"},
		check: func(t *testing.T, name string, p map[string]any) {
			if _, ok := p["SecurityGroupIngress"]; ok {
				t.Errorf("%s: ingress is a separate AWS::EC2::SecurityGroupIngress", name)
			}
			for _, e := range p["SecurityGroupEgress"].([]any) {
				checkKeys(t, name+" egress", e.(map[string]any), []string{"CidrIp", "CidrIpv6", "Description", "DestinationPrefixListId", "DestinationSecurityGroupId", "FromPort", "IpProtocol", "ToPort"}, []string{"IpProtocol"})
			}
		},
	},
	"AWS::EC2::SecurityGroupIngress": {
		allowed:  []string{"CidrIp", "CidrIpv6", "Description", "FromPort", "GroupId", "GroupName", "IpProtocol", "SourcePrefixListId", "SourceSecurityGroupId", "SourceSecurityGroupName", "SourceSecurityGroupOwnerId", "ToPort"},
		required: []string{"GroupId", "IpProtocol", "FromPort", "ToPort", "SourceSecurityGroupId"},
		check: func(t *testing.T, name string, p map[string]any) {
			if _, open := p["CidrIp"]; open {
				t.Errorf("%s: the cache is reachable from the Lambdas' security group only", name)
			}
			if p["FromPort"] != json.Number("6379") || p["ToPort"] != json.Number("6380") {
				t.Errorf("%s: ports %v-%v, want 6379-6380", name, p["FromPort"], p["ToPort"])
			}
		},
	},
	"AWS::ElastiCache::ServerlessCache": {
		allowed:  []string{"CacheUsageLimits", "DailySnapshotTime", "Description", "Endpoint", "Engine", "FinalSnapshotName", "KmsKeyId", "MajorEngineVersion", "ReaderEndpoint", "SecurityGroupIds", "ServerlessCacheName", "SnapshotArnsToRestore", "SnapshotRetentionLimit", "SubnetIds", "Tags", "UserGroupId"},
		required: []string{"ServerlessCacheName", "Engine", "SecurityGroupIds", "SubnetIds"},
		check: func(t *testing.T, name string, p map[string]any) {
			if e, ok := p["Engine"].(string); ok && e != "redis" && e != "valkey" {
				t.Errorf("%s: Engine %q", name, e)
			}
			if subnets, _ := p["SubnetIds"].([]any); len(subnets) < 2 {
				t.Errorf("%s: want subnets in two zones", name)
			}
		},
	},
	"AWS::Logs::LogGroup": {
		allowed:  []string{"DataProtectionPolicy", "FieldIndexPolicies", "KmsKeyId", "LogGroupClass", "LogGroupName", "ResourcePolicyDocument", "RetentionInDays", "Tags"},
		required: []string{"RetentionInDays"},
		check: func(t *testing.T, name string, p map[string]any) {
			if ref(p["RetentionInDays"]) != "LogRetentionDays" {
				t.Errorf("%s: RetentionInDays %v, want the LogRetentionDays parameter", name, p["RetentionInDays"])
			}
		},
	},
	"AWS::SecretsManager::Secret": {
		allowed:  []string{"Description", "GenerateSecretString", "KmsKeyId", "Name", "ReplicaRegions", "SecretString", "Tags"},
		required: []string{"GenerateSecretString"},
		check: func(t *testing.T, name string, p map[string]any) {
			g, _ := p["GenerateSecretString"].(map[string]any)
			checkKeys(t, name+" GenerateSecretString", g, []string{"ExcludeCharacters", "ExcludeLowercase", "ExcludeNumbers",
				"ExcludePunctuation", "ExcludeUppercase", "GenerateStringKey", "IncludeSpace", "PasswordLength",
				"RequireEachIncludedType", "SecretStringTemplate"}, []string{"PasswordLength"})
			if n, _ := g["PasswordLength"].(json.Number).Int64(); n < 32 {
				t.Errorf("%s: PasswordLength %v, want at least 32", name, g["PasswordLength"])
			}
			if _, typed := p["SecretString"]; typed {
				t.Errorf("%s: a secret in the template is not a secret; generate it", name)
			}
		},
	},
	"AWS::CloudWatch::Alarm": {
		allowed: []string{"ActionsEnabled", "AlarmActions", "AlarmDescription", "AlarmName", "ComparisonOperator", "DatapointsToAlarm",
			"Dimensions", "EvaluateLowSampleCountPercentile", "EvaluationPeriods", "ExtendedStatistic", "InsufficientDataActions",
			"MetricName", "Metrics", "Namespace", "OKActions", "Period", "Statistic", "Threshold", "ThresholdMetricId",
			"TreatMissingData", "Unit"},
		required: []string{"ComparisonOperator", "EvaluationPeriods", "MetricName", "Namespace", "Period", "Statistic", "Threshold", "Dimensions"},
		check: func(t *testing.T, name string, p map[string]any) {
			for _, d := range p["Dimensions"].([]any) {
				checkKeys(t, name+" dimension", d.(map[string]any), []string{"Name", "Value"}, []string{"Name", "Value"})
			}
			if !contains([]string{"GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"}, fmt.Sprint(p["ComparisonOperator"])) {
				t.Errorf("%s: ComparisonOperator %v", name, p["ComparisonOperator"])
			}
			if !contains([]string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}, fmt.Sprint(p["Statistic"])) {
				t.Errorf("%s: Statistic %v", name, p["Statistic"])
			}
			if p["TreatMissingData"] != "notBreaching" {
				t.Errorf("%s: TreatMissingData %v: a minute without requests is not an alarm", name, p["TreatMissingData"])
			}
		},
	},
}

func checkKeys(t *testing.T, where string, p map[string]any, allowed, required []string) {
	t.Helper()
	for _, problem := range keyProblems(p, allowed, required) {
		t.Errorf("%s: %s", where, problem)
	}
}

func keyProblems(p map[string]any, allowed, required []string) []string {
	var out []string
	for _, k := range sortedKeys(p) {
		if !contains(allowed, k) {
			out = append(out, fmt.Sprintf("unknown property %q", k))
		}
	}
	for _, k := range required {
		if _, ok := p[k]; !ok {
			out = append(out, fmt.Sprintf("missing property %q", k))
		}
	}
	return out
}

func TestCloudFormationResourceProperties(t *testing.T) {
	res := readTemplate(t)["Resources"].(map[string]any)
	for _, name := range sortedKeys(res) {
		r := res[name].(map[string]any)
		typ, _ := r["Type"].(string)
		if strings.HasPrefix(typ, "AWS::Serverless::") {
			continue // checked by the SAM schema
		}
		rule, ok := cfnRules[typ]
		if !ok {
			t.Errorf("%s: resource type %s has no property rules in this test; add them", name, typ)
			continue
		}
		p, _ := r["Properties"].(map[string]any)
		checkKeys(t, name, p, rule.allowed, rule.required)
		if rule.check != nil {
			rule.check(t, name, p)
		}
		for k := range r {
			if !contains([]string{"Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "Metadata"}, k) {
				t.Errorf("%s: unknown resource attribute %q", name, k)
			}
		}
	}
}

func TestRulesCatchMisspelledCloudFormationProperty(t *testing.T) {
	rule := cfnRules["AWS::ElastiCache::ServerlessCache"]
	p := map[string]any{"ServerlessCacheName": "x", "Engin": "valkey", "SecurityGroupIds": []any{}, "SubnetIds": []any{}}
	got := keyProblems(p, rule.allowed, rule.required)
	if fmt.Sprint(got) != `[unknown property "Engin" missing property "Engine"]` {
		t.Fatalf("problems %q", got)
	}
	for _, bad := range []string{
		"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*/authorizers/*",
		"arn:${AWS::Partition}:execute-api:${AWS::Region}:*:${ExampleApi}/*",
	} {
		if executeAPISource.MatchString(bad) {
			t.Errorf("SourceArn %q passed as scoped to the API", bad)
		}
	}
}

func TestGatewayResponsesCloudFormationFile(t *testing.T) {
	data, err := os.ReadFile("gateway-responses.cfn.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Resources) == 0 {
		t.Fatal("no resources")
	}
	for name, r := range doc.Resources {
		if r.Type != "AWS::ApiGateway::GatewayResponse" {
			t.Errorf("%s: type %s", name, r.Type)
		}
		checkKeys(t, name, r.Properties, []string{"ResponseParameters", "ResponseTemplates", "ResponseType", "RestApiId", "StatusCode"}, []string{"ResponseType", "RestApiId"})
		rt, _ := r.Properties["ResponseType"].(string)
		if !gr.ResponseType(rt).Valid() {
			t.Errorf("%s: ResponseType %q is not an API Gateway response type", name, rt)
		}
		if ref(r.Properties["RestApiId"]) == "" {
			t.Errorf("%s: RestApiId must be a Ref", name)
		}
	}
}
