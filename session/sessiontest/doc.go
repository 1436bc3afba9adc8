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
//     windows and timeouts are crossed without sleeping.
//
// FirstVersionAccessCookie turns an access cookie into the one an earlier
// release issued (no hints for the store), for tests that prove an upgrade
// logs nobody out.
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
