// Command sessiongate is the operator tool of sessiongate.
//
//	sessiongate keygen
//	    Print a fresh SESSION_KEYS value (one pair: 64-byte hash key, 32-byte
//	    block key, standard base64). To rotate keys, prepend the new pair to
//	    the current value ("new,old") and remove the old pair once every
//	    session issued under it has ended (SESSION_ABSOLUTE_TIMEOUT).
//	sessiongate sessions list --user ID [--json]
//	    List a user's live sessions: session id, created, last active,
//	    absolute end, roles.
//	sessiongate sessions revoke --user ID | --session ID
//	    End every session of a user ("log out everywhere"), or one session by
//	    its id (as listed). The next request of that session gets 401.
//	sessiongate claims set --user ID --roles a,b [--claims JSON]
//	    Replace the roles and custom claims of every session of a user. Each
//	    session sees them on its next request; no token is re-issued.
//	    Roles and claims are replaced together: without --claims the
//	    sessions keep no custom claims. --roles "" removes every role.
//	sessiongate render --api FILE [--out DIR] [--check]
//	    Read a team's OpenAPI 3.0 document for an API Gateway REST API, its
//	    operations annotated with x-sessiongate (package gatewayresponses
//	    documents the annotations), and write into DIR (default: FILE's
//	    folder) what API Gateway and the authorizer need: openapi.json,
//	    httpapi-openapi.json, rules.json and gateway-responses.cfn.json.
//	    It prints each route with its protection, a warning for every route
//	    where a rotated cookie cannot reach the browser (and what the backend
//	    must do), and the operations the HTTP API variant leaves out. A bad
//	    document exits 1 with every problem, each naming its operation and
//	    line. --check writes nothing: it exits 1 naming every file of DIR
//	    that differs, else prints "render: DIR is up to date (N files)".
//
// Environment (README): REDIS_URL and REDIS_MODE for the sessions and
// claims commands; keygen and render need nothing. LOG_SALT, when set,
// keys the hashes of the audit lines below (give it the value the
// authorizer and the session API use, so that one incident's lines
// correlate); else a random salt per run.
//
// Audit: every operator action that changes sessions — sessions revoke
// (--session or --user) and claims set — writes one JSON log line to
// stderr, "operator action", with the action, its outcome, how many
// sessions it touched, and the session and user ids as salted hashes
// (package internal/logid: the first 12 hex characters of
// HMAC-SHA256(LOG_SALT, id)), never the ids themselves, roles, claims or
// anything secret. Reading commands (list) write none. SESSION_KEYS is not needed: these
// commands address sessions by user id and session id, which the store
// keys on, and never read or mint a cookie.
//
// Exit status: 0 success, 1 failure (store unreachable, session not
// found, a bad API document, stale rendered files), 2 usage error. Nothing printed ever includes a key, a cookie or
// the Redis password.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sessiongate/sessiongate/internal/logid"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

func main() {
	redisstore.SilenceClientLogs()
	os.Exit(run(os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// opTimeout bounds every command's store work.
const opTimeout = 10 * time.Second

// cli is one invocation.
type cli struct {
	env            func(string) (string, bool)
	stdout, stderr io.Writer
	now            func() time.Time
	// audit writes the operator action lines; ids hashes their ids.
	audit *slog.Logger
	ids   *logid.Hasher
}

// Operator actions, as the audit lines name them.
const (
	actionRevokeSession = "revoke_session"
	actionRevokeUser    = "revoke_user"
	actionSetClaims     = "set_claims"
)

// auditLine writes the one log line of an operator action: info when it
// succeeded (outcome ok), warn otherwise (not_found, store_error). sid and
// uid are raw ids, hashed here; "" leaves the field out.
func (c *cli) auditLine(action, outcome, sid, uid string, sessions int) {
	level := slog.LevelInfo
	if outcome != "ok" {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("action", action), slog.String("outcome", outcome)}
	if sid != "" {
		attrs = append(attrs, slog.String("sid", c.ids.Hash(sid)))
	}
	if uid != "" {
		attrs = append(attrs, slog.String("uid", c.ids.Hash(uid)))
	}
	attrs = append(attrs, slog.Int("sessions", sessions))
	c.audit.LogAttrs(context.Background(), level, "operator action", attrs...)
}

// failOutcome is the audit outcome of a failed store call.
func failOutcome(err error) string {
	if errors.Is(err, session.ErrUnknown) {
		return "not_found"
	}
	return "store_error"
}

// command is one subcommand.
type command struct {
	path  []string // e.g. {"sessions", "list"}
	usage string
	run   func(c *cli, args []string) int
}

var commands = []command{
	{[]string{"keygen"}, "keygen", (*cli).keygen},
	{[]string{"sessions", "list"}, "sessions list --user ID [--json]", (*cli).sessionsList},
	{[]string{"sessions", "revoke"}, "sessions revoke --user ID | --session ID", (*cli).sessionsRevoke},
	{[]string{"claims", "set"}, "claims set --user ID --roles a,b [--claims JSON]", (*cli).claimsSet},
	{[]string{"render"}, "render --api FILE [--out DIR] [--check]", (*cli).render},
}

// run is main without the process: arguments, environment and output are
// passed in, the exit status is returned.
func run(args []string, env func(string) (string, bool), stdout, stderr io.Writer) int {
	c := &cli{env: env, stdout: stdout, stderr: stderr, now: time.Now,
		audit: slog.New(slog.NewJSONHandler(stderr, nil)), ids: logid.FromEnv(env)}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		c.usage()
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, cmd := range commands {
		if len(args) >= len(cmd.path) && equal(args[:len(cmd.path)], cmd.path) {
			return cmd.run(c, args[len(cmd.path):])
		}
	}
	fmt.Fprintf(stderr, "sessiongate: unknown command %q\n", strings.Join(args[:min(2, len(args))], " "))
	c.usage()
	return exitUsage
}

func equal(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}

func (c *cli) usage() {
	fmt.Fprintln(c.stderr, "usage: sessiongate <command> [flags]\n\ncommands:")
	for _, cmd := range commands {
		fmt.Fprintln(c.stderr, "  sessiongate "+cmd.usage)
	}
	fmt.Fprintln(c.stderr, "\nenvironment: REDIS_URL, REDIS_MODE (every command but keygen)")
}

func (c *cli) fail(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "sessiongate: "+format+"\n", args...)
	return exitFail
}

func (c *cli) usageErr(cmd, format string, args ...any) int {
	fmt.Fprintf(c.stderr, "sessiongate %s: "+format+"\n", append([]any{cmd}, args...)...)
	return exitUsage
}

// flags parses args with fs; on error it has already printed the message.
func (c *cli) flags(fs *flag.FlagSet, args []string) bool {
	fs.SetOutput(c.stderr)
	if err := fs.Parse(args); err != nil {
		return false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "sessiongate %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return false
	}
	return true
}

// store connects to REDIS_URL (it does no network I/O itself) and returns
// the context, bounded by opTimeout, of the one operation a command
// performs; done releases both.
func (c *cli) store() (ctx context.Context, st *redisstore.Store, done func(), err error) {
	rcfg, err := redisstore.ClientConfigFromEnv(c.env)
	if err != nil {
		return nil, nil, nil, err
	}
	rdb, err := redisstore.NewClient(rcfg)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	return ctx, redisstore.New(rdb, redisstore.Options{}), func() { cancel(); rdb.Close() }, nil
}

func (c *cli) keygen(args []string) int {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	if !c.flags(fs, args) {
		return exitUsage
	}
	v, err := session.GenerateKeys(nil)
	if err != nil {
		return c.fail("%v", err)
	}
	fmt.Fprintln(c.stdout, v)
	return exitOK
}

func (c *cli) sessionsList(args []string) int {
	fs := flag.NewFlagSet("sessions list", flag.ContinueOnError)
	user := fs.String("user", "", "user id (required)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if !c.flags(fs, args) {
		return exitUsage
	}
	if err := session.ValidateUserID(*user); err != nil {
		return c.usageErr(fs.Name(), "--user: %v", err)
	}
	ctx, st, done, err := c.store()
	if err != nil {
		return c.fail("%v", err)
	}
	defer done()
	list, err := st.ListUser(ctx, *user, c.now())
	if err != nil {
		return c.fail("list sessions: %v", err)
	}
	if *asJSON {
		type row struct {
			SessionID   string    `json:"sessionId"`
			UserID      string    `json:"userId"`
			Roles       []string  `json:"roles"`
			Created     time.Time `json:"created"`
			LastActive  time.Time `json:"lastActive"`
			AbsoluteEnd time.Time `json:"absoluteEnd"`
		}
		rows := []row{}
		for _, s := range list {
			roles := s.Roles
			if roles == nil {
				roles = []string{}
			}
			rows = append(rows, row{s.ID, s.UserID, roles, s.CreatedAt.UTC(), s.LastActive.UTC(), s.AbsoluteEnd.UTC()})
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return c.fail("%v", err)
		}
		return exitOK
	}
	if len(list) == 0 {
		fmt.Fprintf(c.stdout, "no live sessions for user %q\n", *user)
		return exitOK
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SESSION ID\tCREATED\tLAST ACTIVE\tABSOLUTE END\tROLES")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, ts(s.CreatedAt), ts(s.LastActive), ts(s.AbsoluteEnd), strings.Join(s.Roles, ","))
	}
	if err := tw.Flush(); err != nil {
		return c.fail("%v", err)
	}
	fmt.Fprintf(c.stdout, "%d live session(s) for user %q\n", len(list), *user)
	return exitOK
}

func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func (c *cli) sessionsRevoke(args []string) int {
	fs := flag.NewFlagSet("sessions revoke", flag.ContinueOnError)
	user := fs.String("user", "", "end every session of this user id")
	sid := fs.String("session", "", "end this one session (id as listed)")
	if !c.flags(fs, args) {
		return exitUsage
	}
	if (*user == "") == (*sid == "") {
		return c.usageErr(fs.Name(), "give exactly one of --user or --session")
	}
	if *user != "" {
		if err := session.ValidateUserID(*user); err != nil {
			return c.usageErr(fs.Name(), "--user: %v", err)
		}
	} else if !session.IsSessionID(*sid) {
		return c.usageErr(fs.Name(), "--session: %q is not a session id (32 lower-case hex characters, as listed)", *sid)
	}
	ctx, st, done, err := c.store()
	if err != nil {
		return c.fail("%v", err)
	}
	defer done()
	if *user != "" {
		n, err := st.RevokeUser(ctx, *user, "")
		if err != nil {
			c.auditLine(actionRevokeUser, failOutcome(err), "", *user, 0)
			return c.fail("revoke sessions: %v", err)
		}
		c.auditLine(actionRevokeUser, "ok", "", *user, n)
		fmt.Fprintf(c.stdout, "revoked %d session(s) of user %q\n", n, *user)
		return exitOK
	}
	// The owner, for the audit line only: a session that is gone has none,
	// and Revoke then reports it not found.
	uid := ""
	if info, err := st.Info(ctx, *sid, c.now()); err == nil {
		uid = info.UserID
	}
	ok, err := st.Revoke(ctx, *sid)
	if err != nil {
		c.auditLine(actionRevokeSession, failOutcome(err), *sid, uid, 0)
		return c.fail("revoke session: %v", err)
	}
	if !ok {
		c.auditLine(actionRevokeSession, "not_found", *sid, uid, 0)
		return c.fail("session %s not found (already ended?)", *sid)
	}
	c.auditLine(actionRevokeSession, "ok", *sid, uid, 1)
	fmt.Fprintf(c.stdout, "revoked session %s\n", *sid)
	return exitOK
}

func (c *cli) claimsSet(args []string) int {
	fs := flag.NewFlagSet("claims set", flag.ContinueOnError)
	user := fs.String("user", "", "user id (required)")
	rolesFlag := fs.String("roles", "", `comma-separated roles (required; "" removes every role)`)
	claimsFlag := fs.String("claims", "", `custom claims as a JSON object, e.g. '{"tenant":"t1"}' (default none)`)
	if !c.flags(fs, args) {
		return exitUsage
	}
	rolesSet := false
	fs.Visit(func(f *flag.Flag) { rolesSet = rolesSet || f.Name == "roles" })
	if err := session.ValidateUserID(*user); err != nil {
		return c.usageErr(fs.Name(), "--user: %v", err)
	}
	if !rolesSet {
		return c.usageErr(fs.Name(), `--roles is required (use --roles "" to remove every role)`)
	}
	var roles []string
	for _, r := range strings.Split(*rolesFlag, ",") {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, r)
		}
	}
	if err := session.ValidateRoles(roles); err != nil {
		return c.usageErr(fs.Name(), "--roles: %v", err)
	}
	var claims map[string]any
	if strings.TrimSpace(*claimsFlag) != "" {
		dec := json.NewDecoder(strings.NewReader(*claimsFlag))
		dec.UseNumber()
		if err := dec.Decode(&claims); err != nil || dec.More() || claims == nil {
			return c.usageErr(fs.Name(), "--claims must be one JSON object, like '{\"tenant\":\"t1\"}'")
		}
	}
	encoded, err := session.EncodeClaims(claims)
	if err != nil {
		return c.usageErr(fs.Name(), "--claims: %v", err)
	}
	ctx, st, done, err := c.store()
	if err != nil {
		return c.fail("%v", err)
	}
	defer done()
	n, err := st.SetClaims(ctx, *user, roles, encoded)
	if err != nil {
		c.auditLine(actionSetClaims, failOutcome(err), "", *user, 0)
		return c.fail("set claims: %v", err)
	}
	c.auditLine(actionSetClaims, "ok", "", *user, n)
	fmt.Fprintf(c.stdout, "updated roles [%s] and claims %s on %d session(s) of user %q\n", strings.Join(roles, ","), encoded, n, *user)
	return exitOK
}
