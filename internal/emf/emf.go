// Package emf writes CloudWatch Embedded Metric Format lines: one JSON
// object per line on a function's standard output, which CloudWatch Logs
// turns into metrics with no API call (the authorizer's Decisions, the
// session API's Requests and SessionsEvicted). It is the one place that
// knows the line's shape and the namespace every sessiongate metric lives
// in; the template's alarms name the same namespace (deploy/README.md,
// "Metrics and alarms").
//
// AppendLine appends into a buffer the caller owns and reuses, so that a
// line costs no allocation on the authorizer's hot path.
package emf

import "strconv"

// Namespace is the CloudWatch namespace of every sessiongate metric.
const Namespace = "sessiongate"

// Dim is one dimension of a line: its name and its value.
type Dim struct{ Name, Value string }

// Metric is one metric of a line, a count: its name and its value.
type Metric struct {
	Name  string
	Value int64
}

// AppendLine appends one EMF line, ending in a newline, to b and returns
// the extended buffer: the timestamp (ms since the epoch), Namespace, the
// dimension sets (each a list of dimension names; each name must be one
// of dims), the metrics (unit Count), then every dimension's value and
// every metric's value as members of the object, in the order given.
// Names and values are written as they are, without JSON escaping: they
// are the callers' own constants (route and outcome names), never input.
func AppendLine(b []byte, ts int64, sets [][]string, dims []Dim, metrics []Metric) []byte {
	b = append(b, `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":"`+Namespace+`","Dimensions":[`...)
	for i, set := range sets {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, name := range set {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, name)
		}
		b = append(b, ']')
	}
	b = append(b, `],"Metrics":[`...)
	for i, m := range metrics {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Name":`...)
		b = appendString(b, m.Name)
		b = append(b, `,"Unit":"Count"}`...)
	}
	b = append(b, `]}]}`...)
	for _, d := range dims {
		b = append(b, ',')
		b = appendString(b, d.Name)
		b = append(b, ':')
		b = appendString(b, d.Value)
	}
	for _, m := range metrics {
		b = append(b, ',')
		b = appendString(b, m.Name)
		b = append(b, ':')
		b = strconv.AppendInt(b, m.Value, 10)
	}
	return append(b, "}\n"...)
}

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
