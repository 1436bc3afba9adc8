package loadtest

import (
	"sync"
	"sync/atomic"
)

// Outage declares the windows of a run during which 5xx answers are
// expected (a store stopped and restarted, say): Open starts one, Close
// ends it. A 5xx counts as expected when a window was open at any moment
// between its request being sent and its answer arriving — so a request
// sent just before Close and answered just after is judged by when it ran,
// not by when its answer was read. The zero value has no window open; a nil
// *Outage never has one. Safe for concurrent use.
type Outage struct {
	mu     sync.Mutex
	open   bool
	opened uint64 // windows opened so far
}

// Open starts a window (nothing when one is open).
func (o *Outage) Open() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.open {
		o.open = true
		o.opened++
	}
}

// Close ends the open window (nothing when none is).
func (o *Outage) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.open = false
}

// outageMark is an Outage's state at one moment.
type outageMark struct {
	open   bool
	opened uint64
}

func (o *Outage) mark() outageMark {
	if o == nil {
		return outageMark{}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return outageMark{open: o.open, opened: o.opened}
}

// overlaps reports whether a window was open at any moment between the
// marks sent and answered (taken in that order): open at either end, or
// opened (and closed again) in between.
func (sent outageMark) overlaps(answered outageMark) bool {
	return sent.open || answered.open || sent.opened != answered.opened
}

// Progress is a run's live counts, readable while Run runs
// (Config.Progress), for a caller that acts once the load has reached a
// point: a fault injected after so many successful requests, and ended
// once it has been felt, say.
type Progress struct {
	ok, outage5xx atomic.Int64
}

// OK is the number of GET /api/me answered 200 so far (Report.OK at the
// end of the run).
func (p *Progress) OK() int64 { return p.ok.Load() }

// ServerErrorsOutage is the number of 5xx answers so far that an outage
// window explains (Report.ServerErrorsOutage at the end of the run).
func (p *Progress) ServerErrorsOutage() int64 { return p.outage5xx.Load() }

func (p *Progress) addOK() {
	if p != nil {
		p.ok.Add(1)
	}
}

func (p *Progress) addServerErrorOutage() {
	if p != nil {
		p.outage5xx.Add(1)
	}
}
