// Package redisstore is the Redis implementation of session.Store, over a
// go-redis UniversalClient (standalone, TLS with rediss://, ACL users, Redis
// Cluster). It is the only package of sessiongate that imports go-redis.
//
// # Layout in Redis
//
// A session is one string, "sg:s:{<session id>}", whose hash tag is the
// session id so that everything about a session lives in one slot. Its value
// is a record (record.go): a version byte, a fixed header of 13 numbers — last
// active, absolute end, the current access generation and when it was
// issued, the generation just rotated out and when, the refresh generation,
// whether it has been used and since when, the first access generation
// issued with it, created, and two lengths — then the user id, the roles
// (comma-joined) and the claims (JSON). The key's TTL follows the idle
// timeout, capped by the absolute end, so Redis reclaims abandoned sessions
// itself. One string rather than a hash of fields because the scripts then
// read a session with one GET and write it with one SET: a third of the
// time Redis spent on the dozen hash fields the first layout had
// (BENCHMARKS.md, "Store layout"). Sessions stored by that first layout,
// under "sg:{<session id>}", are not read: their users sign in again.
//
// A user's index, "sg:u:{<hash of user id>}", is a sorted set of session ids
// scored by their absolute end: listing and "log out everywhere" need no SCAN.
// It lives in its own slot, so creating a session writes the index first and
// the session second; an index entry whose session is gone is pruned lazily.
//
// # One round trip
//
// Validate and Refresh are each one Lua script (validate.lua, refresh.lua,
// each run after record.lua, which reads and writes the record) run with
// EVALSHA: read the record, decide, write it back with its TTL — atomically,
// so fifty concurrent validations of a token that is due for rotation
// produce exactly one new generation, and two concurrent refreshes the same
// successor. The clock is an argument (the caller's injected clock), never
// Redis's TIME, so tests move time instead of sleeping. Both scripts answer
// with the record as they wrote it, so the caller learns everything in the
// same round trip.
//
// A call sends one argument, the time and the presented generation packed
// like two header fields; the policy's durations are constants in the
// script's text (one pair of scripts per distinct Policy), because every argument
// costs Redis a parse and a Lua string. validate.lua is preceded by a fast
// path (validate_fast.lua) for the usual request, which changes nothing:
// it reads the record, checks it in straight-line code and answers it as
// stored, before record.lua builds the helper functions that the other
// cases use — building them costs Redis about as much as the whole fast
// path.
// TestValidateFastPathAgrees holds the fast path to validate.lua.
//
// Validate writes only when something changed: a rotation, the first use of
// a refresh token's successor, or activity. Activity (the last-active time
// that slides the idle timeout) is recorded when at least IdleTimeout/100,
// and at most a minute, has passed since the recorded one; a burst of
// requests then costs Redis one write instead of one each. The price is
// that a session's idle end lies between IdleTimeout minus that step and
// IdleTimeout after its last request (TestActivityRecordedOncePerStep).
//
// After a failover with asynchronous replication, a generation the client
// holds may be newer than the one the promoted replica knows (the write was
// lost). Both scripts adopt such a generation — it can only have come from
// us, since cookies are authenticated — rather than log the user out.
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
