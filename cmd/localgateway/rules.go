package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/sessiongate/sessiongate/authorizer"
)

// authorizerRules returns the route rules the in-process authorizer
// enforces and where they come from, chosen as cmd/authorizer chooses
// them from its environment env and its package:
//
//   - AUTHZ_RULES when it is non-blank (an explicit override, JSON);
//   - else the file AUTHZ_RULES_FILE when it is set;
//   - else rules.json of the authorizer's package: what render wrote
//     beside the definition (DIR/rules.json, or the embedded
//     deploy/rules.json).
//
// None of these is an error: the local gateway has no rules of its own.
func authorizerRules(env func(string) (string, bool), pkg file) (authorizer.Rules, string, error) {
	var text, from string
	if v, ok := env("AUTHZ_RULES"); ok && strings.TrimSpace(v) != "" {
		text, from = v, "AUTHZ_RULES"
	} else if name, ok := env("AUTHZ_RULES_FILE"); ok && strings.TrimSpace(name) != "" {
		b, err := os.ReadFile(strings.TrimSpace(name))
		if err != nil {
			return authorizer.Rules{}, "", fmt.Errorf("%w: AUTHZ_RULES_FILE: %w", errConfig, err)
		}
		text, from = string(b), "AUTHZ_RULES_FILE "+strings.TrimSpace(name)
	} else if pkg.ok {
		text, from = string(pkg.data), pkg.name
	} else {
		return authorizer.Rules{}, "", fmt.Errorf("%w: no route rules for the authorizer: %s does not exist (sessiongate render writes it), "+
			"and neither AUTHZ_RULES nor AUTHZ_RULES_FILE is set", errConfig, pkg.name)
	}
	rules, err := authorizer.ParseRules(text)
	if err != nil {
		return authorizer.Rules{}, "", fmt.Errorf("%s: %w", from, err)
	}
	return rules, from, nil
}
