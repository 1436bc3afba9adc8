package authorizer

import "sync"

// invocation is the memory one Invoke works in that would otherwise be
// allocated afresh on every call: the decoded event, the backing array of
// the request's cookie values and the response structs that are encoded.
// Invocations reuse it through a sync.Pool.
//
// The rule that makes the reuse safe: nothing that outlives Invoke points
// into an invocation. The strings the event holds are the JSON decoder's
// own (immutable Go strings, not views of this memory), the request and
// the decision copy strings out of it, Sessions.ValidateAny must not keep
// the values slice after it returns (Sessions says so), and the response
// Invoke returns is a fresh copy made by the encoder. release zeroes an
// invocation before the pool gets it back, so that the pool holds no
// cookie, token or header value, and every invocation starts from zero.
type invocation struct {
	ev     event
	values [4]string // req.values: the usual one to four copies of the access cookie
	resp   responses
}

var invocations = sync.Pool{New: func() any { return new(invocation) }}

// newInvocation returns a zero invocation; hand it back with release.
func newInvocation() *invocation { return invocations.Get().(*invocation) }

// release zeroes inv and returns it to the pool. Nothing may use inv, or
// anything that points into it, afterwards.
func (inv *invocation) release() {
	*inv = invocation{}
	invocations.Put(inv)
}
