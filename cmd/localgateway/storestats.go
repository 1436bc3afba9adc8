package main

import (
	"encoding/json"
	"net/http"

	"github.com/sessiongate/sessiongate/internal/loadtest"
	"github.com/sessiongate/sessiongate/session"
	"github.com/sessiongate/sessiongate/session/redisstore"
)

// addStoreStats adds the local route GET loadtest.StoreStatsPath (outside
// the stage, like /example-config.json): how the gateway's session store
// has answered validations so far — one GET decided in Go, one script, or
// a GET and then a script — as loadtest.StoreStats, for cmd/loadgen, which
// reports the share that took a second round trip. Counts only: nothing
// about any session.
func addStoreStats(local map[string]http.Handler, s session.Store) {
	counted, ok := s.(interface{ Stats() redisstore.Stats })
	if !ok {
		return
	}
	local["GET "+loadtest.StoreStatsPath] = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		st := counted.Stats()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(loadtest.StoreStats{ReadOnly: st.ReadOnly, FromToken: st.FromToken, SecondTrip: st.SecondTrip})
	})
}
