package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sessiongate/sessiongate/authorizer"
)

// rulesFileName is the rules file build.sh puts beside bootstrap.
const rulesFileName = "rules.json"

// maxRulesFile bounds what is read of a rules file. authorizer.MaxRules
// rules fit in far less; a bigger file is a mistake, not a rule set.
const maxRulesFile = 1 << 20

// errNoRules means no source of route rules applies: AUTHZ_RULES is blank,
// AUTHZ_RULES_FILE is unset and there is no rules.json beside the binary.
var errNoRules = errors.New("no route rules")

// loadRules reads the route rules from the first source that applies (the
// package doc lists them): AUTHZ_RULES when not blank, else the file
// AUTHZ_RULES_FILE when not blank, else rules.json in exeDir. It returns the
// rules and a name of their source for the start-up log. No source, a
// missing or unreadable file, and rules that do not parse are errors: the
// authorizer does not start without the rules it was built with.
func loadRules(lookup func(string) (string, bool), exeDir string) (authorizer.Rules, string, error) {
	if text, _ := lookup("AUTHZ_RULES"); strings.TrimSpace(text) != "" {
		rules, err := authorizer.ParseRules(text)
		return rules, "AUTHZ_RULES", err
	}
	if path, _ := lookup("AUTHZ_RULES_FILE"); strings.TrimSpace(path) != "" {
		rules, err := readRulesFile(path)
		if err != nil {
			err = fmt.Errorf("AUTHZ_RULES_FILE: %w", err)
		}
		return rules, "AUTHZ_RULES_FILE " + path, err
	}
	if exeDir == "" {
		return authorizer.Rules{}, "", fmt.Errorf("%w: AUTHZ_RULES is blank, AUTHZ_RULES_FILE is unset and the "+
			"executable's directory, where %s belongs, is unknown; %s", errNoRules, rulesFileName, howToBuild)
	}
	path := filepath.Join(exeDir, rulesFileName)
	rules, err := readRulesFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		err = fmt.Errorf("%w: AUTHZ_RULES is blank, AUTHZ_RULES_FILE is unset and there is no %s; %s",
			errNoRules, path, howToBuild)
	}
	return rules, path, err
}

// howToBuild ends the error of a missing rule set.
const howToBuild = "build the package with deploy/build.sh, which puts the rules.json that " +
	"`sessiongate render` wrote beside bootstrap (or set AUTHZ_RULES_FILE, or AUTHZ_RULES to a JSON array; " +
	"[] means no route rules)"

// readRulesFile reads and parses one rules file. Unlike an unset
// AUTHZ_RULES, an empty file is an error: it is a truncated package, not a
// decision to have no rules ("[]" is that).
func readRulesFile(path string) (authorizer.Rules, error) {
	f, err := os.Open(path)
	if err != nil {
		return authorizer.Rules{}, err // *fs.PathError names the path
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRulesFile+1))
	if err != nil {
		return authorizer.Rules{}, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxRulesFile {
		return authorizer.Rules{}, fmt.Errorf("%s is larger than %d bytes", path, maxRulesFile)
	}
	if strings.TrimSpace(string(data)) == "" {
		return authorizer.Rules{}, fmt.Errorf("%s is empty: want a JSON array of rules ([] for none)", path)
	}
	rules, err := authorizer.ParseRules(string(data))
	if err != nil {
		return authorizer.Rules{}, fmt.Errorf("%s: %w", path, err)
	}
	return rules, nil
}
