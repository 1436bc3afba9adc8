package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/sessiongate/sessiongate/session/redisstore"
)

// results are the latencies of one run, each sorted.
type results struct {
	authorizer, noop, get, floor, bareGET []time.Duration
	// paired is the median, over rounds, of (authorizer − noop), of
	// (floor − noop) and of (noop+GET − noop) within each round.
	pairedAuth, pairedFloor, pairedGET time.Duration
}

// measure warms every function up, then runs o.n rounds. A round invokes
// each function once and times one bare GET from this process, in an order
// drawn afresh for every round, so that whatever else the machine does
// weighs on all five alike.
func (f *fixture) measure(ctx context.Context, o options) (results, error) {
	for range o.warmup {
		for _, fn := range f.functions {
			if _, err := fn.invoke(f.event); err != nil {
				return results{}, fmt.Errorf("warm-up: %w", err)
			}
		}
		if _, err := f.timeGET(ctx); err != nil {
			return results{}, err
		}
	}
	const bare = nFunctions // the bare GET's place in a round
	var lat [nFunctions + 1][]time.Duration
	var dAuth, dFloor, dGET []time.Duration
	for range o.n {
		if err := ctx.Err(); err != nil {
			return results{}, err
		}
		var round [nFunctions + 1]time.Duration
		for _, i := range rand.Perm(len(round)) {
			var err error
			if i == bare {
				round[i], err = f.timeGET(ctx)
			} else {
				round[i], err = f.functions[i].invoke(f.event)
			}
			if err != nil {
				return results{}, err
			}
			lat[i] = append(lat[i], round[i])
		}
		dAuth = append(dAuth, round[fnAuthorizer]-round[fnNoop])
		dFloor = append(dFloor, round[fnFloor]-round[fnNoop])
		dGET = append(dGET, round[fnGet]-round[fnNoop])
	}
	return results{
		authorizer: sorted(lat[fnAuthorizer]), noop: sorted(lat[fnNoop]), get: sorted(lat[fnGet]),
		floor: sorted(lat[fnFloor]), bareGET: sorted(lat[bare]),
		pairedAuth:  percentile(sorted(dAuth), 0.5),
		pairedFloor: percentile(sorted(dFloor), 0.5),
		pairedGET:   percentile(sorted(dGET), 0.5),
	}, nil
}

// timeGET times one GET of the session's record from this process, through
// a client configured as the store's, under the store's per-call deadline.
func (f *fixture) timeGET(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, redisstore.DefaultTimeout)
	defer cancel()
	start := time.Now()
	if err := f.bareGET(ctx); err != nil {
		return 0, fmt.Errorf("bare GET: %w", err)
	}
	return time.Since(start), nil
}

func sorted(d []time.Duration) []time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d
}

// percentile is the nearest-rank q-quantile (0 < q ≤ 1) of sorted d.
func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(math.Ceil(float64(len(d))*q)) - 1
	return d[max(0, min(i, len(d)-1))]
}
