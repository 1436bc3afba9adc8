package samtemplate

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Pseudo parameters with a fixed local value. AWS::NoValue removes the
// property it is the value of; AWS::StackId and AWS::NotificationARNs
// are not known before a deploy (they stay unresolved).
var pseudo = map[string]string{
	"AWS::Region":    "local",
	"AWS::Partition": "aws",
	"AWS::AccountId": "000000000000",
	"AWS::StackName": "local",
	"AWS::URLSuffix": "amazonaws.com",
}

// newEvaluator checks the given parameter values: each name must be a
// parameter of the template, and every parameter that has a value (given
// or Default) must satisfy its constraints, as CloudFormation checks them
// before it creates anything. A parameter with neither is a problem only
// when something evaluated needs it.
func (t *Template) newEvaluator(given map[string]string) (*evaluator, []error) {
	var problems []error
	names := make([]string, 0, len(given))
	for name := range given {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if t.paramByID[name] == nil {
			problems = append(problems, problemf(ErrParameter, 0, "%q is not a parameter of the template", name))
		}
	}
	for _, p := range t.params {
		v, ok := given[p.Name]
		if !ok {
			v, ok = p.Default, p.HasDefault
		}
		if ok {
			if err := p.check(v); err != nil {
				problems = append(problems, err)
			}
		}
	}
	return &evaluator{t: t, given: given, conds: map[string]condState{}}, problems
}

// check applies the parameter's constraints to a value, like
// CloudFormation: AllowedValues and AllowedPattern (whole value) to a
// String and to each item of a CommaDelimitedList, MinLength/MaxLength
// to a String, number syntax and MinValue/MaxValue to a Number and each
// item of a List<Number>. A NoEcho parameter's value is never quoted.
func (p *param) check(v string) error {
	shown := fmt.Sprintf("%q", v)
	if p.noEcho {
		shown = "(NoEcho value)"
	}
	items := []string{v}
	if p.list {
		items = strings.Split(v, ",")
	}
	var why []string
	for _, it := range items {
		if p.number {
			f, err := strconv.ParseFloat(strings.TrimSpace(it), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				why = append(why, "is not a number")
				continue
			}
			if p.minValue != nil && f < *p.minValue {
				why = append(why, fmt.Sprintf("is less than MinValue %v", *p.minValue))
			}
			if p.maxValue != nil && f > *p.maxValue {
				why = append(why, fmt.Sprintf("is more than MaxValue %v", *p.maxValue))
			}
		}
		if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, it) {
			why = append(why, fmt.Sprintf("is not one of AllowedValues %q", p.AllowedValues))
		}
		if p.pattern != nil && !p.pattern.MatchString(it) {
			why = append(why, fmt.Sprintf("does not match AllowedPattern %q", p.AllowedPattern))
		}
	}
	if !p.list && !p.number {
		n := len(utf16.Encode([]rune(v)))
		if p.minLength >= 0 && n < p.minLength {
			why = append(why, fmt.Sprintf("is shorter than MinLength %d", p.minLength))
		}
		if p.maxLength >= 0 && n > p.maxLength {
			why = append(why, fmt.Sprintf("is longer than MaxLength %d", p.maxLength))
		}
	}
	if len(why) == 0 {
		return nil
	}
	return problemf(ErrParameter, 0, "%s %s %s", p.Name, shown, strings.Join(slices.Compact(why), ", "))
}
