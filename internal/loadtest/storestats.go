package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// StoreStatsPath is the local gateway's route (outside any stage) that
// answers StoreStats as JSON: how its session store has answered
// validations since it started.
const StoreStatsPath = "/_localgateway/store-stats"

// StoreStats counts how the session store answered validations
// (redisstore.Stats): with one GET decided in Go (ReadOnly), with one
// script because the cookie said a write was due (FromToken), or with a GET
// whose record showed a write the cookie did not foresee and then the
// script (SecondTrip: two round trips, which must be rare).
type StoreStats struct {
	ReadOnly   int64 `json:"readOnly"`
	FromToken  int64 `json:"fromToken"`
	SecondTrip int64 `json:"secondTrip"`
}

// Validations is how many validations the counts cover.
func (s StoreStats) Validations() int64 { return s.ReadOnly + s.FromToken + s.SecondTrip }

// SecondTripShare is SecondTrip's share of Validations, 0 when there were
// none.
func (s StoreStats) SecondTripShare() float64 {
	if n := s.Validations(); n > 0 {
		return float64(s.SecondTrip) / float64(n)
	}
	return 0
}

func (s StoreStats) minus(o StoreStats) StoreStats {
	return StoreStats{ReadOnly: s.ReadOnly - o.ReadOnly, FromToken: s.FromToken - o.FromToken, SecondTrip: s.SecondTrip - o.SecondTrip}
}

// ErrNoStoreStats: the target did not answer StoreStatsPath (it is not the
// local gateway, or its store does not count).
var ErrNoStoreStats = errors.New("loadtest: the target serves no store counts")

// GatewayStoreStats reads StoreStats from the local gateway serving base
// (its StoreStatsPath, at the root of base's host): Config.StoreStats for a
// run against the local gateway.
func GatewayStoreStats(base string) (func(context.Context) (StoreStats, error), error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("loadtest: base URL: %w", err)
	}
	target := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: StoreStatsPath}).String()
	return func(ctx context.Context) (StoreStats, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return StoreStats{}, fmt.Errorf("loadtest: store stats: %w", err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return StoreStats{}, fmt.Errorf("loadtest: store stats: %w", err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return StoreStats{}, fmt.Errorf("%w: GET %s: status %d", ErrNoStoreStats, StoreStatsPath, res.StatusCode)
		}
		var s StoreStats
		if err := json.NewDecoder(io.LimitReader(res.Body, 1<<16)).Decode(&s); err != nil {
			return StoreStats{}, fmt.Errorf("loadtest: store stats: %w", err)
		}
		return s, nil
	}, nil
}
