// Package redisstore is the Redis implementation of session.Store, over a
// go-redis UniversalClient (standalone, TLS with rediss://, ACL users, Redis
// Cluster). It is the only package of sessiongate that imports go-redis.
//
// # Layout in Redis
//
// A session is one string, its record (record.go): a version byte, a fixed
// header of 15 numbers — last active, absolute end, the current access
// generation and when it was issued, the generation just rotated out and
// when, the refresh generation, whether it has been used and since when,
// the first access generation issued with it, created, the idle timeout it
// was created with, and three lengths — then the user id, the roles
// (comma-joined), the agent (a summary of the User-Agent) and the claims
// (JSON). The key's TTL follows the idle timeout, capped by the absolute
// end, so Redis reclaims abandoned sessions itself. One string rather than
// a hash of fields because a session is then read with one GET and written
// with one SET: a third of the time Redis spent on the dozen hash fields
// the first layout had (BENCHMARKS.md, "Store layout").
//
// A user's index is a sorted set of the user's session ids scored by their
// absolute end: listing, "log out everywhere" and the per-user limit need
// no SCAN.
//
// # One hash slot per user
//
// Every key of one user carries the user's tag as its hash tag, so all of
// them are in one slot of a Redis Cluster, on one node:
//
//	sg:s:{<tag>}<session id>           a session (its record)
//	sg:u:{<tag>}<rest of user hash>    the user's index
//	sg:c:{<tag>}<session id>           a Create's receipt (below)
//	sg:r:{<tag>}<nonce>                a RevokeUser's receipt (below)
//	sg:s:{<tag>}<session id>:t:<gen>   a theft verdict, kept two minutes
//	                                   after refresh.lua deleted the
//	                                   session, so that a resent refresh
//	                                   answers theft again (theftMarkMS)
//
// The tag is session.UserTag(user id): 8 hex digits of SHA-256 of the user
// id, which are also the first 8 characters of every session id of that
// user (the token carries them), and the first 8 of the 32 hex digits of
// the user's hash that name the index. So a session's key follows from its
// id alone (the id is whole after the brace, and the key's last 32 bytes
// are the id, which a validation returns without making a second string),
// and the index from the user id.
//
// Why: every operation on one user's sessions together is then one Lua
// script on that slot, atomic on a standalone server and on a cluster
// alike. Create (create.lua) prunes the index, ends the least recently
// used sessions beyond the user's limit, stores the record and indexes it
// in one step; RevokeUser (revokeuser.lua), ListUser (listuser.lua) and
// SetClaims (setclaims.lua) are one step each. A script may touch keys it
// did not declare only when they are in the declared keys' slot, which
// these are: the scripts declare the index and build the sessions' keys
// from the index's members (TestUserKeysShareOneSlot, and the contract
// suite run on a three-master cluster). A session's key and its index
// member are written by the same script, so no session exists outside its
// index, and RevokeUser, which runs on the same slot, either comes before
// a Create (and deletes its session) or after it (which survives it). The
// earlier layout, with the session id as the hash tag and the index in a
// slot of its own, could only read the index and then delete: a sign-in
// landing in between left a session no "log out everywhere" could reach
// (the contract's RevokeUserAtomicWithCreate fails on that code). The cost
// is placement: one user's sessions are on one node, which for a session
// store is no cost (a user has a handful), and users still spread over
// the cluster by their tags.
//
// The per-user limit (session.Record.MaxPerUser, Config.MaxSessionsPerUser)
// counts live sessions — before their absolute end, and less than their
// idle timeout after their last recorded activity, by the caller's clock
// (which is why the record keeps its idle timeout) — and ends the least
// recently used: smallest last activity, then oldest created. Members
// whose session is gone or timed out leave the index on the way, so the
// index holds at most the limit after every Create, whatever came before
// (the contract's TwoThousandSignInsKeepTheLimit).
//
// Revoke is one DEL of the record. It leaves the session's member in the
// index, for the next script of the user to prune: the index is named
// after a hash of the user id, which only the record holds and Lua cannot
// compute (no SHA-256), so removing the member at once would cost a read
// before the delete, or the index's name in every record. A member left
// behind is never counted as a session, never blocks a sign-in (Create
// prunes before it counts) and never grows the index past the limit
// (TestRevokeLeavesIndexBounded).
//
// Sessions stored by earlier layouts — "sg:{<id>}" (a hash), and
// "sg:s:{<id>}" with version 1 records, before one slot per user — are
// not read: their users sign in again (their tokens, of versions 1 and 2,
// no longer decode either).
//
// # Sent twice, done once
//
// go-redis sends a command again when its answer was lost to a read
// timeout or a dropped connection (MaxRetries), after Redis may have run
// it. validate.lua and refresh.lua give the same answer when run again
// (the generation just rotated out is handed the current one). Create and
// RevokeUser leave a receipt in the user's slot, kept a minute longer than
// a call can last, with what they answered: run again, they find it,
// answer the same and write nothing — a Create is not undone or counted
// twice, a RevokeUser does not end a session signed in after it
// (TestSentTwiceHappensOnce). Revoke answers "not there" when its DEL is
// run twice (the session is gone all the same).
//
// # Validation: a plain read when nothing changes
//
// Most validations change nothing: the presented generation is current and
// not due for rotation, and there is nothing to record. Those are one plain
// GET of the record, decided in Go (validate.go's decide) — no script, no
// write. Everything that writes is a Lua script run with EVALSHA, which
// reads the record, decides and writes it back with its TTL atomically, so
// fifty concurrent validations of a token that is due for rotation produce
// exactly one new generation, and two concurrent refreshes the same
// successor: validate.lua (rotate, adopt a generation after a failover,
// record that a refresh token was used, delete a timed-out session) and
// refresh.lua. Refresh is always one EVALSHA; so are Create, RevokeUser,
// ListUser and SetClaims. Info is one GET decided in Go, as a validation's
// read is, and writes nothing (TestUserCallsOneRoundTrip).
//
// Which a validation needs is decided, where it can be, before anything
// is sent, from hints the access cookie carries (session.Access): when its
// generation was issued, and whether its first use records the refresh
// token it was issued with. A cookie whose age says rotation is due, or
// whose refresh use is still to record, goes straight to validate.lua (one
// round trip); every other one is a GET. The hints only choose the path,
// never the answer: decide gives, for any record, exactly the answer
// validate.lua would give without writing, or says that the script must
// run (TestDecideAgreesWithScript, on thousands of records around every
// boundary). When the record read shows a write the cookie did not foresee
// — a generation to adopt after a lost write, a session timed out by this
// server's clock but not yet by Redis's — the script runs after the GET: a
// second round trip, rare (nothing in normal use causes one), and counted
// (Stats; the load generator reports its share). A cookie that carries no
// hints (issued 0) goes to the script, and gets a cookie with hints back.
//
// Reads race writes safely: a GET sees the record before or after a
// script's write, never half of it, and answers as of that moment. A
// generation just rotated out, presented inside the grace window, is
// handed the current one by a read too (no fork: the generation it hands
// back is the one the rotation wrote).
//
// Activity (the last-active time that slides the idle timeout) is
// recorded only by writes that happen anyway — a rotation, a refresh,
// creation, recording a refresh token's use — never by a read. A session
// in use rotates at least once per RotateAfter, so its idle end lies
// between IdleTimeout minus RotateAfter and IdleTimeout after its last
// request (TestActivityRecordedWithWrites).
//
// The scripts take every number of the record format and every reply code
// from record.go's constants, in a prologue generated by lua.go, and
// validate.lua and refresh.lua the policy's durations as constants in
// their text (one pair of scripts per distinct Policy); a call sends one
// argument, the time and the presented
// generation packed like two header fields, because every argument costs
// Redis a parse and a Lua string. The clock is that argument (the caller's
// injected clock), never Redis's TIME, so tests move time instead of
// sleeping. Both scripts answer with the record, so the caller learns
// everything in the same round trip.
//
// After a failover with asynchronous replication, a generation the client
// holds may be newer than the one the promoted replica knows (the write was
// lost). Both scripts adopt such a generation — it can only have come from
// us, since cookies are authenticated — rather than log the user out
// (docs/protocol.md, "Failover").
//
// # Connecting
//
// The scripts need Redis 6.0 or newer (SET … KEEPTTL), or Valkey; the tests
// run against redis-server 7.0, and ElastiCache Serverless serves both
// engines at newer versions.
//
// ClientConfig comes from REDIS_URL and REDIS_MODE: redis:// or rediss://
// (TLS, verified against the system roots, or ClientConfig.RootCAs for a
// private CA), an ACL user and password in the URL, and in cluster mode
// extra seed nodes as ?addr=host:port. Every key starts with the prefix
// ("sg:" by default), so an ACL user can be limited to ~sg:*.
// TestTLSAndACLUser runs the store over TLS with such a user against a real
// redis-server. The pool is small (4) and idle connections are recycled
// after 30 s, suited to a Lambda that freezes between invocations.
//
// # Failures
//
// Every call carries a deadline: Options.Timeout (DefaultTimeout, 2s), or the
// caller's deadline when that is earlier — a Lambda context's deadline is the
// function's timeout, far too long to wait on a slow Redis.
// Any Redis or network error is returned as a plain error, which
// session.Manager reports as session.ErrStore: never as "no session".
// NewClient does no network I/O; the first command dials, so a Lambda's
// init phase stays offline. After an outage the client re-dials on the next
// commands (go-redis backs off for about a second after repeated dial
// failures).
package redisstore
