package gatewayresponses

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/sessiongate/sessiongate/authorizer"
)

// Rules returns the route rules the authorizer must enforce for the
// document: one per protected operation with roles or claims, in operation
// order. The method is the operation's ("*" for ANY); the path is its
// template with each {name} as "*" and a greedy {name+} as "**".
func (s *Source) Rules() []authorizer.Rule {
	rules := []authorizer.Rule{}
	for _, op := range s.Operations {
		if !op.Protection.HasRule() {
			continue
		}
		method := op.Method
		if method == "ANY" {
			method = "*"
		}
		rules = append(rules, authorizer.Rule{Method: method, Path: rulePath(op.Path),
			AnyRoles: op.Protection.Roles, Claims: op.Protection.Claims})
	}
	return rules
}

// rulePath turns a path template into a rule's path pattern.
func rulePath(tpl string) string {
	segs := strings.Split(tpl, "/")
	for i, s := range segs {
		switch {
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
			segs[i] = "**"
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			segs[i] = "*"
		}
	}
	return strings.Join(segs, "/")
}

// renderRules writes rules.json and checks it the way the authorizer
// will read it. It warns when a rule, which the authorizer matches against
// request paths, also covers another operation that API Gateway routes
// separately (a literal path beside a {param}): requests to that
// operation must then satisfy the rule as well. Rules only ever restrict,
// so this is never a hole, but it may deny more than the document says.
func (s *Source) renderRules(out *Rendered) ([]byte, error) {
	rules := s.Rules()
	// One rule per line: readable, and what AUTHZ_RULES takes as is.
	var b bytes.Buffer
	b.WriteString("[")
	for i, r := range rules {
		line, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("gatewayresponses: encode rule: %w", err)
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  ")
		b.Write(line)
	}
	if len(rules) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	data := b.Bytes()
	if _, err := authorizer.ParseRules(string(data)); err != nil {
		return nil, fmt.Errorf("%w: the rendered rules: %w", ErrInvalidSource, err)
	}
	for _, a := range s.Operations {
		if !a.Protection.HasRule() {
			continue
		}
		pattern := strings.Split(rulePath(a.Path), "/")
		for _, b := range s.Operations {
			if b.Path == a.Path || b.Protection.Public() || sameRule(a.Protection, b.Protection) {
				continue
			}
			if a.Method != "ANY" && b.Method != "ANY" && a.Method != b.Method {
				continue
			}
			if ruleCovers(pattern, strings.Split(b.Path, "/")) {
				out.Warnings = append(out.Warnings, fmt.Sprintf("the route rule of %s (%s) also applies to %s, which API Gateway routes to its own operation: requests to it must satisfy both",
					a.Name(), a.Protection, b.Name()))
			}
		}
	}
	return data, nil
}

func sameRule(a, b Protection) bool {
	return reflect.DeepEqual(a.Roles, b.Roles) && reflect.DeepEqual(a.Claims, b.Claims)
}

// ruleCovers reports whether a rule's path pattern matches requests that
// API Gateway routes to the operation at path template b (split at '/').
// API Gateway prefers the more specific resource, so a request that both
// templates match goes to the one with a literal where the other has a
// variable.
func ruleCovers(pattern, b []string) bool {
	for i, p := range pattern {
		if p == "**" {
			return true
		}
		if i >= len(b) {
			return false
		}
		seg := b[i]
		switch {
		case strings.HasSuffix(seg, "+}"):
			// A greedy variable: the requests the pattern matches go to
			// the rule's own, more specific operation.
			return false
		case p == "*":
		case p != seg:
			return false
		}
	}
	return len(pattern) == len(b)
}
