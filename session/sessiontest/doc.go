// Package sessiontest proves session stores against real servers.
//
// It has two halves:
//
//   - a launcher that starts real redis-server processes on free loopback
//     ports — a standalone server (optionally persisted, so Stop and Restart
//     model an outage that loses nothing) and a Redis Cluster of several
//     masters, with replicas when a failover is to be tested — and stops them
//     when the test ends. It never touches a server it did not start.
//   - RunStoreContract, the behaviour every session.Store must show, run
//     through session.Manager with an injected Clock so rotation, grace
//     windows and timeouts are crossed without sleeping — including what
//     a store does with all of one user's sessions at once: the per-user
//     limit (the least recently used end, the index stays bounded), "log
//     out everywhere" racing sign-ins (no session escapes it), and Info.
//
// AccessCookieWithoutHints strips an access cookie of the hints it carries
// for the store, for tests that prove the hints choose a store's path and
// never its answer.
//
// A fake Redis never stands in for the real server here: the point of the
// package is that the Lua scripts, hash slots and failure modes are the real
// ones. When redis-server is missing, RequireRedis skips the test on a
// developer machine and fails it under CI=true.
//
// Typical use, in a store's test:
//
//	func TestContract(t *testing.T) {
//		srv := sessiontest.StartServer(t, sessiontest.Options{Persist: true})
//		sessiontest.RunStoreContract(t, sessiontest.Harness{
//			NewStore: func(t *testing.T) session.Store { return newStore(t, srv.URL()) },
//			Outage:   func(*testing.T) { srv.Stop() },
//			Recover:  func(*testing.T) { srv.Restart() },
//		})
//	}
package sessiontest
