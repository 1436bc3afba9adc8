package sessiontest

import (
	"sync"
	"time"
)

// Clock is an injected clock for tests: it stands still until Advance moves
// it, so tests cross a rotation, a grace window or a timeout without sleeping.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at the current real time (truncated to the
// millisecond, the store's resolution), so that keys' real TTLs in Redis and
// the clock agree at the start.
func NewClock() *Clock { return &Clock{t: time.Now().Truncate(time.Millisecond)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
