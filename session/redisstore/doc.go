// Package redisstore is the Redis implementation of session.Store, over a
// go-redis UniversalClient (standalone, TLS with rediss://, ACL users, Redis
// Cluster). It is the only package of sessiongate that imports go-redis.
//
// # Layout in Redis
//
// A session is one hash, "sg:{<session id>}", whose hash tag is the session
// id so that everything about a session lives in one slot. Fields: uid, ct
// (created, ms), la (last active), ab (absolute end), ag/agt (current access
// generation and when it was issued), pag/pagx (the generation just rotated
// out and when), rg/ru/ut/rag (refresh generation, whether it has been used,
// when the newest used refresh generation was first used, first access
// generation issued with the current refresh generation), rl (roles,
// comma-joined), cl (claims, JSON). The key's TTL follows the idle timeout,
// capped by the absolute end, so Redis reclaims abandoned sessions itself.
//
// A user's index, "sg:u:{<hash of user id>}", is a sorted set of session ids
// scored by their absolute end: listing and "log out everywhere" need no SCAN.
// It lives in its own slot, so creating a session writes the index first and
// the session second; an index entry whose session is gone is pruned lazily.
//
// # One round trip
//
// Validate and Refresh are each one Lua script (validate.lua, refresh.lua)
// run with EVALSHA: read the hash, decide, write, set the TTL — atomically, so
// fifty concurrent validations of a token that is due for rotation produce
// exactly one new generation, and two concurrent refreshes the same
// successor. The clock is an argument (the caller's injected clock), never
// Redis's TIME, so tests move time instead of sleeping.
//
// After a failover with asynchronous replication, a generation the client
// holds may be newer than the one the promoted replica knows (the write was
// lost). Both scripts adopt such a generation — it can only have come from
// us, since cookies are authenticated — rather than log the user out.
//
// # Connecting
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
