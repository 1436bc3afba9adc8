// Package loadtest drives a sessiongate API the way browsers running the
// frontend SDK do, from many virtual users at once, and counts what happens.
// It talks HTTP to a base URL on the loopback interface only, and every run
// is bounded in time and in requests.
//
// Each virtual user signs in through the local gateway's demo route, then
// loops: GET /api/me; on 401 it calls the refresh route once and retries,
// exactly like supertokens-web-js. Some users run two "tabs" that share one
// cookie jar and no refresh lock, so concurrent refreshes of the same refresh
// token happen throughout. Rotations arrive as Set-Cookie on ordinary
// responses and the jar picks them up.
//
// Every outcome is classified; the invariants a run must keep are: no 5xx
// outside a declared outage, no "token theft detected" for a legitimate user,
// no session lost (a refresh answered "unauthorised"), and every 200 carries
// the right x-user-id.
//
// Against the local gateway a run also reports how the session store
// answered its validations (Config.StoreStats, GatewayStoreStats): with one
// GET, with one script, or with a GET and then a script — a second round
// trip, whose share the bounded load test holds under 2%.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config bounds and shapes a run.
type Config struct {
	BaseURL     string        // e.g. http://127.0.0.1:8080; must be a loopback address
	Users       int           // virtual users (sessions)
	TwoTabEvery int           // every n-th user runs two tabs sharing a jar; 0 = never
	Duration    time.Duration // wall-clock bound
	MaxRequests int64         // request bound (0 = 1,000,000)
	// PauseEvery and Pause: after every PauseEvery requests a tab goes
	// quiet for Pause — longer than the access token's lifetime, so the next
	// request gets 401 and the SDK-style refresh runs. 0 = never.
	PauseEvery int
	Pause      time.Duration
	// Outage declares the windows when 5xx answers are expected (see
	// Outage). nil means never.
	Outage *Outage
	// Progress, when set, is kept up to date while the run goes on.
	Progress *Progress
	// StoreStats, when set, reads the session store's counts of how it
	// answered validations (GatewayStoreStats for the local gateway); the
	// run reads them before and after, and the report says what share of
	// its validations took a second round trip. nil: not reported.
	StoreStats func(context.Context) (StoreStats, error)
}

// Report is what a run measured.
type Report struct {
	Users, Requests                  int64
	OK, Unauthorized401, Refreshes   int64
	Rotations                        int64
	ServerErrors, ServerErrorsOutage int64
	Theft, Lost, WrongIdentity       int64
	TransportErrors                  int64
	Elapsed                          time.Duration
	P50, P99, Max                    time.Duration
	// Store is how the store answered the run's validations
	// (Config.StoreStats; zero when not read).
	Store StoreStats
	// Samples of unexpected answers (5xx outside an outage, wrong identity,
	// theft, lost): "<method> <path> <status> <body prefix>", at most 10.
	Samples []string
}

// Throughput is requests per second over the run.
func (r Report) Throughput() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

func (r Report) String() string {
	s := r.counts()
	if n := r.Store.Validations(); n > 0 {
		s += fmt.Sprintf(" store: validations=%d read-only=%d script=%d second-round-trip=%d (%.2f%%)",
			n, r.Store.ReadOnly, r.Store.FromToken, r.Store.SecondTrip, 100*r.Store.SecondTripShare())
	}
	return s
}

func (r Report) counts() string {
	return fmt.Sprintf("users=%d requests=%d (%.0f req/s) ok=%d 401=%d refreshes=%d rotations=%d 5xx=%d (during outage %d) theft=%d lost=%d wrong-identity=%d transport-errors=%d p50=%s p99=%s max=%s",
		r.Users, r.Requests, r.Throughput(), r.OK, r.Unauthorized401, r.Refreshes, r.Rotations, r.ServerErrors, r.ServerErrorsOutage,
		r.Theft, r.Lost, r.WrongIdentity, r.TransportErrors, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
}

// Violations lists the broken invariants, empty when the run was clean.
func (r Report) Violations() []string {
	var v []string
	if r.ServerErrors > 0 {
		v = append(v, fmt.Sprintf("%d 5xx outside an outage", r.ServerErrors))
	}
	if r.Theft > 0 {
		v = append(v, fmt.Sprintf("%d false theft detections", r.Theft))
	}
	if r.Lost > 0 {
		v = append(v, fmt.Sprintf("%d lost sessions", r.Lost))
	}
	if r.WrongIdentity > 0 {
		v = append(v, fmt.Sprintf("%d responses with the wrong x-user-id", r.WrongIdentity))
	}
	if r.OK == 0 {
		v = append(v, "no successful request at all")
	}
	if len(v) > 0 && len(r.Samples) > 0 {
		v = append(v, "samples: "+strings.Join(r.Samples, " | "))
	}
	return v
}

// ErrNotLoopback refuses a base URL that is not on this machine.
var ErrNotLoopback = errors.New("loadtest: base URL must be a loopback address")

type run struct {
	cfg     Config
	client  *http.Client
	stats   Report
	reqs    atomic.Int64
	mu      sync.Mutex
	latency []time.Duration
}

// Run executes a bounded load run.
func Run(ctx context.Context, cfg Config) (Report, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return Report{}, fmt.Errorf("loadtest: base URL: %w", err)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return Report{}, ErrNotLoopback
	}
	if cfg.Users <= 0 || cfg.Duration <= 0 {
		return Report{}, errors.New("loadtest: Users and Duration must be positive")
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = 1_000_000
	}
	var storeBefore StoreStats
	if cfg.StoreStats != nil {
		if storeBefore, err = cfg.StoreStats(ctx); err != nil {
			return Report{}, err
		}
	}
	outer := ctx
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	r := &run{cfg: cfg, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < cfg.Users; i++ {
		tabs := 1
		if cfg.TwoTabEvery > 0 && i%cfg.TwoTabEvery == 0 {
			tabs = 2
		}
		wg.Add(1)
		go func(i, tabs int) {
			defer wg.Done()
			r.user(ctx, fmt.Sprintf("load-user-%d", i), tabs)
		}(i, tabs)
	}
	wg.Wait()
	r.stats.Elapsed = time.Since(start)
	r.stats.Users = int64(cfg.Users)
	r.stats.Requests = r.reqs.Load()
	slices.Sort(r.latency)
	if n := len(r.latency); n > 0 {
		r.stats.P50 = r.latency[n/2]
		r.stats.P99 = r.latency[n*99/100]
		r.stats.Max = r.latency[n-1]
	}
	if cfg.StoreStats != nil {
		// The run may have ended because the caller cancelled ctx: read
		// under a bound of its own.
		sctx, scancel := context.WithTimeout(context.WithoutCancel(outer), 10*time.Second)
		after, err := cfg.StoreStats(sctx)
		scancel()
		if err != nil {
			return r.stats, err
		}
		r.stats.Store = after.minus(storeBefore)
	}
	return r.stats, nil
}

func (r *run) add(p *int64) {
	r.mu.Lock()
	*p++
	r.mu.Unlock()
}

type answer struct {
	what    string // method and path
	status  int
	body    []byte
	header  http.Header
	elapsed time.Duration
	sent    outageMark // the outage state when the request was sent
}

func (r *run) do(ctx context.Context, jar http.CookieJar, method, path string, body []byte, hdr map[string]string) (answer, bool) {
	if r.reqs.Add(1) > r.cfg.MaxRequests {
		return answer{}, false
	}
	req, err := http.NewRequestWithContext(ctx, method, r.cfg.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, false
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if jar != nil {
		for _, c := range jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
	}
	sent := r.cfg.Outage.mark()
	t0 := time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			r.add(&r.stats.TransportErrors)
		}
		return answer{}, false
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	el := time.Since(t0)
	if jar != nil {
		if cs := resp.Cookies(); len(cs) > 0 {
			jar.SetCookies(req.URL, cs)
		}
	}
	r.mu.Lock()
	r.latency = append(r.latency, el)
	r.mu.Unlock()
	return answer{what: method + " " + path, status: resp.StatusCode, body: b, header: resp.Header, elapsed: el, sent: sent}, true
}

func (r *run) classify5xx(a answer) bool {
	if a.status >= 500 {
		if a.sent.overlaps(r.cfg.Outage.mark()) {
			r.add(&r.stats.ServerErrorsOutage)
			r.cfg.Progress.addServerErrorOutage()
		} else {
			r.add(&r.stats.ServerErrors)
			r.sample(a)
		}
		return true
	}
	return false
}

// sample keeps a short description of an unexpected answer for the report.
func (r *run) sample(a answer) {
	body := string(a.body)
	if len(body) > 1000 {
		body = body[:1000]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.stats.Samples) < 10 {
		r.stats.Samples = append(r.stats.Samples, fmt.Sprintf("%s %d %s", a.what, a.status, body))
	}
}

func (r *run) user(ctx context.Context, uid string, tabs int) {
	jar, _ := cookiejar.New(nil)
	body, _ := json.Marshal(map[string]any{"userId": uid, "roles": []string{"user"}})
	hdr := map[string]string{"rid": "anti-csrf", "content-type": "application/json"}
	for ctx.Err() == nil {
		a, ok := r.do(ctx, jar, "POST", "/auth/demo/signin", body, hdr)
		if !ok {
			return
		}
		if a.status == 200 {
			break
		}
		if !r.classify5xx(a) {
			r.add(&r.stats.Lost) // sign-in refused for no store reason
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	var wg sync.WaitGroup
	for t := 0; t < tabs; t++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.tab(ctx, jar, uid)
		}()
	}
	wg.Wait()
}

func (r *run) tab(ctx context.Context, jar http.CookieJar, uid string) {
	for n := 1; ctx.Err() == nil; n++ {
		if r.cfg.PauseEvery > 0 && n%r.cfg.PauseEvery == 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(r.cfg.Pause):
			}
		}
		a, ok := r.do(ctx, jar, "GET", "/api/me", nil, nil)
		if !ok {
			return
		}
		switch {
		case a.status == 200:
			r.add(&r.stats.OK)
			r.cfg.Progress.addOK()
			// A rotated access cookie always comes with a front-token
			// (docs/protocol.md#the-front-token-header), whatever the
			// cookie's configured name.
			if a.header.Get("front-token") != "" {
				r.add(&r.stats.Rotations)
			}
			var echo struct {
				Headers map[string]string `json:"headers"`
			}
			if json.Unmarshal(a.body, &echo) != nil || echo.Headers["x-user-id"] != uid {
				r.add(&r.stats.WrongIdentity)
				r.sample(a)
			}
		case a.status == 401:
			r.add(&r.stats.Unauthorized401)
			if !r.refresh(ctx, jar) {
				return
			}
		case r.classify5xx(a):
			time.Sleep(20 * time.Millisecond) // the SDK would surface the error; the user retries
		default:
			r.add(&r.stats.WrongIdentity)
		}
	}
}

// refresh calls the refresh route like the SDK; false when the user's
// session is gone (counted) or the run ended.
func (r *run) refresh(ctx context.Context, jar http.CookieJar) bool {
	for ctx.Err() == nil {
		a, ok := r.do(ctx, jar, "POST", "/auth/session/refresh", nil, map[string]string{"rid": "session", "fdi-version": "4.2"})
		if !ok {
			return false
		}
		switch {
		case a.status == 200:
			r.add(&r.stats.Refreshes)
			return true
		case a.status == 401 && bytes.Contains(a.body, []byte("token theft detected")):
			r.add(&r.stats.Theft)
			r.sample(a)
			return false
		case a.status == 401:
			r.add(&r.stats.Lost)
			r.sample(a)
			return false
		case r.classify5xx(a):
			time.Sleep(20 * time.Millisecond)
		default:
			r.add(&r.stats.WrongIdentity)
			return false
		}
	}
	return false
}
