package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessiongate/sessiongate/authorizer"
	"github.com/sessiongate/sessiongate/internal/redistest"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
	"github.com/sessiongate/sessiongate/session/sessionhttp"
	"github.com/sessiongate/sessiongate/session/sessiontest"
)

// cloudWatchRetentionDays are the values CloudWatch Logs accepts as a log
// group's RetentionInDays (PutRetentionPolicy, AWS::Logs::LogGroup).
var cloudWatchRetentionDays = []string{"1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365",
	"400", "545", "731", "1096", "1827", "2192", "2557", "2922", "3288", "3653"}

// param is a template parameter's declaration.
func param(t *testing.T, tpl map[string]any, name string) map[string]any {
	t.Helper()
	p, _ := tpl["Parameters"].(map[string]any)[name].(map[string]any)
	if p == nil {
		t.Fatalf("the template has no parameter %s", name)
	}
	return p
}

// TestLogRetention: every function of the stack logs to a log group of its
// own (LoggingConfig.LogGroup) that the stack creates with RetentionInDays
// from LogRetentionDays, whose default is 30 and whose allowed values are
// exactly CloudWatch's.
func TestLogRetention(t *testing.T) {
	tpl := readTemplate(t)
	p := param(t, tpl, "LogRetentionDays")
	var allowed []string
	for _, v := range p["AllowedValues"].([]any) {
		allowed = append(allowed, fmt.Sprint(v))
	}
	if p["Type"] != "Number" || fmt.Sprint(p["Default"]) != "30" || strings.Join(allowed, ",") != strings.Join(cloudWatchRetentionDays, ",") {
		t.Errorf("LogRetentionDays: Type %v Default %v AllowedValues %v; want Number, 30 and %v", p["Type"], p["Default"], allowed, cloudWatchRetentionDays)
	}
	for _, apiType := range apiTypes(t, tpl) {
		s := evaluate(t, tpl, map[string]string{"ApiType": apiType})
		groups := map[string]string{} // log group -> function
		for _, fn := range sortedKeys(s.resources) {
			if s.resources[fn]["Type"] != "AWS::Serverless::Function" {
				continue
			}
			lc, _ := functionProp(s, fn, "LoggingConfig").(map[string]any)
			g := ref(lc["LogGroup"])
			r := s.resources[g]
			switch {
			case r == nil || r["Type"] != "AWS::Logs::LogGroup":
				t.Errorf("%s: %s logs to %v, not a log group of the stack", apiType, fn, lc["LogGroup"])
				continue
			case groups[g] != "":
				t.Errorf("%s: %s and %s share the log group %s", apiType, groups[g], fn, g)
			}
			groups[g] = fn
			if rd := r["Properties"].(map[string]any)["RetentionInDays"]; ref(rd) != "LogRetentionDays" {
				t.Errorf("%s: %s RetentionInDays %v, want the LogRetentionDays parameter", apiType, g, rd)
			}
		}
		if len(groups) != 3 {
			t.Errorf("%s: log groups %v, want one for each of the three functions", apiType, groups)
		}
	}
}

// metric is a CloudWatch metric as an alarm names it: one dimension,
// Outcome.
type metric struct{ Namespace, Name, Outcome string }

func (m metric) String() string {
	return m.Namespace + "/" + m.Name + "{Outcome=" + m.Outcome + "}"
}

// emfMetrics reads CloudWatch Embedded Metric Format lines: every metric
// each line declares with the dimension set [Outcome], with the line's
// Outcome value.
func emfMetrics(t *testing.T, out []byte) []metric {
	t.Helper()
	var ms []metric
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var doc map[string]any
		if err := json.Unmarshal(line, &doc); err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		var aws struct {
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name string }
			}
		}
		b, _ := json.Marshal(doc["_aws"])
		if err := json.Unmarshal(b, &aws); err != nil {
			t.Fatal(err)
		}
		outcome, _ := doc["Outcome"].(string)
		for _, d := range aws.CloudWatchMetrics {
			for _, set := range d.Dimensions {
				if len(set) != 1 || set[0] != "Outcome" {
					continue
				}
				for _, m := range d.Metrics {
					ms = append(ms, metric{d.Namespace, m.Name, outcome})
				}
			}
		}
	}
	return ms
}

// failingStore is an authorizer.Sessions whose store always fails.
type failingStore struct{}

func (failingStore) ValidateAny(context.Context, []string) (*session.Validated, error) {
	return nil, &session.StoreError{Op: "validate", Err: io.ErrUnexpectedEOF}
}

func (failingStore) Config() session.Config { return session.DefaultConfig() }

// authorizerStoreErrorMetric is the metric the authorizer emits when the
// session store fails (it answers 500): run it and read its EMF line.
func authorizerStoreErrorMetric(t *testing.T) metric {
	t.Helper()
	var out bytes.Buffer
	h, err := authorizer.New(authorizer.Config{Manager: failingStore{}, Metrics: &out,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return time.UnixMilli(1) }})
	if err != nil {
		t.Fatal(err)
	}
	event := `{"type":"TOKEN","authorizationToken":"Bearer x","methodArn":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/api/me"}`
	if _, err := h.Invoke(context.Background(), []byte(event)); err == nil {
		t.Fatal("the authorizer succeeded with a failing store")
	}
	ms := emfMetrics(t, out.Bytes())
	if len(ms) != 1 {
		t.Fatalf("metrics %v of %q, want one", ms, out.String())
	}
	return ms[0]
}

// sessionAPIMetrics runs the session API over real Redis into a token
// theft and a store failure and returns the metrics it emits for each,
// with the dimension set [Outcome] that an alarm watches.
func sessionAPIMetrics(t *testing.T) (theft, storeError metric) {
	t.Helper()
	srv := sessiontest.StartServer(t, sessiontest.Options{})
	cfg := sessiontest.TestConfig(t)
	clock := sessiontest.NewClock()
	m := sessiontest.NewManager(t, cfg, redistest.Store(t, srv, redisstore.Options{Timeout: time.Second}), clock)
	var out bytes.Buffer
	h := sessionhttp.New(m, sessionhttp.Options{Metrics: &out, Now: clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tok, err := m.Create(context.Background(), session.CreateInput{UserID: sessiontest.UniqueUser("alarm")})
	if err != nil {
		t.Fatal(err)
	}
	// refresh posts a refresh token in header mode and returns the status
	// and the metric line of that one request.
	refresh := func(token string) (int, []metric, string) {
		out.Reset()
		r := httptest.NewRequest("POST", cfg.APIBasePath+"/session/refresh", nil)
		r.Header.Set("st-auth-mode", "header")
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, emfMetrics(t, out.Bytes()), w.Header().Get("st-refresh-token")
	}
	// Two refreshes, so that the first token is two generations old and
	// its successor has been used: presenting it again is theft.
	next := tok.Refresh.Value
	for range 2 {
		var code int
		if code, _, next = refresh(next); code != 200 || next == "" {
			t.Fatalf("refresh: %d", code)
		}
	}
	clock.Advance(cfg.Grace + time.Second)
	code, ms, _ := refresh(tok.Refresh.Value)
	if code != 401 || len(ms) != 1 {
		t.Fatalf("replayed refresh token: %d, metrics %v", code, ms)
	}
	theft = ms[0]
	srv.Stop()
	code, ms, _ = refresh(next)
	if code != 503 || len(ms) != 1 {
		t.Fatalf("refresh with the store down: %d, metrics %v", code, ms)
	}
	return theft, ms[0]
}

// alarmMetric is the metric an alarm watches: its namespace, metric name
// and the value of its one dimension, Outcome.
func alarmMetric(t *testing.T, name string, r map[string]any) metric {
	t.Helper()
	p := r["Properties"].(map[string]any)
	m := metric{Namespace: fmt.Sprint(p["Namespace"]), Name: fmt.Sprint(p["MetricName"])}
	dims, _ := p["Dimensions"].([]any)
	if len(dims) != 1 || dims[0].(map[string]any)["Name"] != "Outcome" {
		t.Errorf("%s: dimensions %v, want Outcome only (the dimension set the functions emit)", name, dims)
		return m
	}
	m.Outcome = fmt.Sprint(dims[0].(map[string]any)["Value"])
	return m
}

// TestAlarms: the template has an alarm for each metric that needs a human
// (session API token theft and store errors, authorizer errors), each
// watching a metric exactly as the code emits it — namespace, name,
// dimension set and Outcome value — firing on any occurrence (> 0), and
// notifying AlarmTopicArn when it is set, nobody when it is empty.
func TestAlarms(t *testing.T) {
	tpl := readTemplate(t)
	theft, storeError := sessionAPIMetrics(t)
	want := map[string]metric{
		"SessionTheftAlarm":      theft,
		"SessionStoreErrorAlarm": storeError,
		"AuthorizerErrorAlarm":   authorizerStoreErrorMetric(t),
	}
	// The session API's names are its package's constants, which its
	// documentation and deploy/README.md use.
	if theft != (metric{sessionhttp.MetricNamespace, sessionhttp.MetricRequests, sessionhttp.OutcomeTheft}) ||
		storeError != (metric{sessionhttp.MetricNamespace, sessionhttp.MetricRequests, sessionhttp.OutcomeStoreError}) {
		t.Errorf("the session API emits %s and %s, not what package sessionhttp's constants say", theft, storeError)
	}
	p := param(t, tpl, "AlarmTopicArn")
	if p["Default"] != "" {
		t.Errorf("AlarmTopicArn: Default %v, want \"\" (optional)", p["Default"])
	}
	const topic = "arn:aws:sns:eu-west-1:123456789012:sessiongate-alarms"
	for _, topicArn := range []string{"", topic} {
		s := evaluate(t, tpl, map[string]string{"AlarmTopicArn": topicArn})
		var alarms []string
		for name, r := range s.resources {
			if r["Type"] == "AWS::CloudWatch::Alarm" {
				alarms = append(alarms, name)
			}
		}
		if strings.Join(sortedKeys(want), ",") != strings.Join(sortedStrings(alarms), ",") {
			t.Errorf("alarms %v, want %v", sortedStrings(alarms), sortedKeys(want))
		}
		for _, name := range sortedKeys(want) {
			r := s.resources[name]
			if r == nil {
				continue
			}
			if got := alarmMetric(t, name, r); got != want[name] {
				t.Errorf("%s watches %s; the code emits %s", name, got, want[name])
			}
			props := r["Properties"].(map[string]any)
			if props["ComparisonOperator"] != "GreaterThanThreshold" || fmt.Sprint(props["Threshold"]) != "0" || props["Statistic"] != "Sum" {
				t.Errorf("%s: %v %v of %v, want Sum GreaterThanThreshold 0", name, props["ComparisonOperator"], props["Threshold"], props["Statistic"])
			}
			actions, set := props["AlarmActions"].([]any)
			if ref(props["AlarmActions"]) == "AWS::NoValue" {
				set = false
			}
			switch {
			case topicArn == "" && set:
				t.Errorf("%s: AlarmActions %v without AlarmTopicArn", name, actions)
			case topicArn != "" && (len(actions) != 1 || ref(actions[0]) != "AlarmTopicArn"):
				t.Errorf("%s: AlarmActions %v, want [!Ref AlarmTopicArn]", name, props["AlarmActions"])
			}
		}
	}
	// The parameter's pattern takes a topic ARN or nothing.
	pat := p["AllowedPattern"].(string)
	for v, ok := range map[string]bool{"": true, topic: true, "arn:aws-cn:sns:cn-north-1:123456789012:a.fifo": true,
		"arn:aws:sqs:eu-west-1:123456789012:q": false, "sessiongate-alarms": false} {
		if matchesPattern(t, pat, v) != ok {
			t.Errorf("AlarmTopicArn pattern %q on %q: want %v", pat, v, ok)
		}
	}
}

// TestSessionLimitsFromTheTemplate: SESSION_MAX_PER_USER and
// SESSION_REAUTH_WINDOW reach both functions from one place each (the
// SessionMaxPerUser and SessionReauthWindow parameters, in Globals), their
// defaults are the session package's, and the parameters accept what the
// session configuration accepts and nothing more.
func TestSessionLimitsFromTheTemplate(t *testing.T) {
	tpl := readTemplate(t)
	def := session.DefaultConfig()
	s := evaluate(t, tpl, nil)
	for env, name := range map[string]string{"SESSION_MAX_PER_USER": "SessionMaxPerUser", "SESSION_REAUTH_WINDOW": "SessionReauthWindow"} {
		for _, fn := range []string{fnAuthorizer, fnSessionAPI} {
			if v := functionEnv(s, fn)[env]; ref(v) != name {
				t.Errorf("%s: %s is %v, want !Ref %s", fn, env, v, name)
			}
		}
	}
	mp := param(t, tpl, "SessionMaxPerUser")
	if mp["Type"] != "Number" || fmt.Sprint(mp["Default"]) != strconv.Itoa(def.MaxSessionsPerUser) ||
		fmt.Sprint(mp["MinValue"]) != "1" || fmt.Sprint(mp["MaxValue"]) != strconv.Itoa(session.MaxSessionsPerUserLimit) {
		t.Errorf("SessionMaxPerUser %v: want Number, default %d, 1 to %d", mp, def.MaxSessionsPerUser, session.MaxSessionsPerUserLimit)
	}
	rp := param(t, tpl, "SessionReauthWindow")
	d, err := time.ParseDuration(fmt.Sprint(rp["Default"]))
	if err != nil || d != def.ReauthWindow {
		t.Errorf("SessionReauthWindow: Default %v, want %s (%v)", rp["Default"], def.ReauthWindow, err)
	}
	// What the pattern lets through, the session configuration reads.
	pat := rp["AllowedPattern"].(string)
	for _, v := range []string{"10m", "1h30m", "90s", "1.5h", "720h", "10x", "", "-5m", "10 m"} {
		_, perr := time.ParseDuration(v)
		if matchesPattern(t, pat, v) && perr != nil {
			t.Errorf("SessionReauthWindow pattern accepts %q, which is not a duration", v)
		}
		if !matchesPattern(t, pat, v) && perr == nil && !strings.HasPrefix(v, "-") {
			t.Errorf("SessionReauthWindow pattern refuses the duration %q", v)
		}
	}
	// The configuration the defaults make is valid.
	env := map[string]string{"SESSION_KEYS": sessiontest.Keys(t), "SESSION_MAX_PER_USER": fmt.Sprint(mp["Default"]),
		"SESSION_REAUTH_WINDOW": fmt.Sprint(rp["Default"])}
	cfg, err := session.ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil || cfg.MaxSessionsPerUser != def.MaxSessionsPerUser || cfg.ReauthWindow != def.ReauthWindow {
		t.Errorf("the template's defaults: %+v, %v", cfg, err)
	}
}

// TestLogSalt: both functions hash ids in their logs with one LOG_SALT,
// generated by the stack (a Secrets Manager secret, never typed into the
// template) and given as a dynamic reference in Globals.
func TestLogSalt(t *testing.T) {
	tpl := readTemplate(t)
	s := evaluate(t, tpl, nil)
	a, b := functionEnv(s, fnAuthorizer)["LOG_SALT"], functionEnv(s, fnSessionAPI)["LOG_SALT"]
	str, _ := a.(map[string]any)["Fn::Sub"].(string)
	names := subNames(str)
	if fmt.Sprint(a) != fmt.Sprint(b) || len(names) != 1 || str != "{{resolve:secretsmanager:${"+names[0]+"}:SecretString}}" {
		t.Fatalf("LOG_SALT: authorizer %v, session API %v; want one Secrets Manager dynamic reference", a, b)
	}
	if r := s.resources[names[0]]; r == nil || r["Type"] != "AWS::SecretsManager::Secret" {
		t.Errorf("LOG_SALT refers to %s, not a secret of the stack", names[0])
	}
	for k := range ownEnv(s.resources[fnAuthorizer]) {
		if k == "LOG_SALT" {
			t.Errorf("%s sets LOG_SALT itself", fnAuthorizer)
		}
	}
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// matchesPattern applies a parameter's AllowedPattern as CloudFormation
// does: to the whole value.
func matchesPattern(t *testing.T, pattern, v string) bool {
	t.Helper()
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		t.Fatalf("AllowedPattern %q: %v", pattern, err)
	}
	return re.MatchString(v)
}
