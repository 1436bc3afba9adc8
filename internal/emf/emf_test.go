package emf_test

import (
	"encoding/json"
	"testing"

	"github.com/sessiongate/sessiongate/internal/emf"
)

// The line is the exact EMF object CloudWatch reads, one per line, and
// valid JSON.
func TestAppendLine(t *testing.T) {
	got := string(emf.AppendLine(nil, 1700000000123,
		[][]string{{"Route", "Outcome"}, {"Outcome"}},
		[]emf.Dim{{"Route", "signin"}, {"Outcome", "ok"}},
		[]emf.Metric{{"Requests", 1}, {"SessionsEvicted", 2}}))
	want := `{"_aws":{"Timestamp":1700000000123,"CloudWatchMetrics":[{"Namespace":"sessiongate","Dimensions":[["Route","Outcome"],["Outcome"]],` +
		`"Metrics":[{"Name":"Requests","Unit":"Count"},{"Name":"SessionsEvicted","Unit":"Count"}]}]},` +
		`"Route":"signin","Outcome":"ok","Requests":1,"SessionsEvicted":2}` + "\n"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatal(err)
	}
}

// Appending into a reused buffer allocates nothing: the authorizer writes
// one line per invocation.
func TestAppendLineReusesTheBuffer(t *testing.T) {
	buf := make([]byte, 0, 512)
	sets := [][]string{{"Outcome"}}
	n := testing.AllocsPerRun(100, func() {
		buf = emf.AppendLine(buf[:0], 1, sets, []emf.Dim{{"Outcome", "allow"}}, []emf.Metric{{"Decisions", 1}})
	})
	if n != 0 {
		t.Fatalf("%v allocations per line", n)
	}
}
