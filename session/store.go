package session

import (
	"context"
	"time"
)

// Store keeps sessions. It is owned by this package (its consumer); the Redis
// implementation is session/redisstore, and sessiontest.RunStoreContract is
// the suite every implementation must pass against a real server.
//
// Expected outcomes are returned as this package's sentinels (ErrUnknown,
// ErrExpired, ErrTheft); any other error means the store failed, and the
// Manager reports it as ErrStore — never as "no session".
//
// Every decision that writes (a rotation, a refresh, recording that a
// refresh token was used) must be made and applied atomically, so that the
// semantics of docs/protocol.md ("Session semantics") hold under any
// concurrency: no forks, one successor. A validation that writes nothing
// may be answered by a plain read. Validate and Refresh should cost one
// round trip; Validate may take a second when a write it must make shows
// only in what it read (the Redis store counts those: redisstore.Stats).
type Store interface {
	// Create stores a new session and adds it to its user's index, in one
	// atomic step that also prunes index members whose session is gone
	// (expired or deleted) and, when the user already has rec.MaxPerUser
	// live sessions, ends the least recently used ones (smallest
	// LastActive; ties: oldest CreatedAt) so that the user has at most
	// MaxPerUser afterwards. It returns the ids it ended. It refuses
	// (ErrInvalidInput) a record whose ID does not begin with
	// UserTag(rec.UserID), or whose MaxPerUser is below 1. The first
	// refresh generation has no predecessor to retire, so it counts as
	// used from the start: the first access generation is not
	// RefreshPending, and its validations only read.
	Create(ctx context.Context, rec Record) (evicted []string, err error)
	// Info describes one live session (ErrUnknown when there is none). It
	// writes nothing: the Manager reads owners through it before it
	// decides anything that writes.
	Info(ctx context.Context, id string, now time.Time) (Info, error)
	// Validate checks the access generation a.Gen of session id at now
	// under policy p: it refuses a timed-out session (ErrUnknown) and a
	// generation that is neither current nor just rotated out inside the
	// grace window (ErrExpired); it rotates the generation when due, and
	// records the current refresh token as used when a.Gen was issued
	// with it. Activity (what slides the idle timeout) is recorded with
	// those writes only. a's hints may choose how, never what (Access).
	// The id comes as an ID, not a string, and the State returned holds
	// it as a string, SessionID, which the store makes: see ID.
	Validate(ctx context.Context, id ID, a Access, now time.Time, p Policy) (State, error)
	// Refresh rotates the refresh generation (docs/protocol.md, "Refresh
	// rotation") and issues a fresh access generation, or returns the
	// current ones for an idempotent replay; ErrTheft after it revoked the
	// session. The State's SessionID is id.
	Refresh(ctx context.Context, id string, gen uint64, now time.Time, p Policy) (State, error)
	// Revoke deletes one session. It reports whether the session existed.
	Revoke(ctx context.Context, id string) (bool, error)
	// RevokeUser deletes every session of a user except keep ("" keeps
	// none) and reports how many. It is atomic with respect to Create: a
	// concurrent Create of the same user either comes first, and its
	// session is deleted too, or comes after, and its session survives;
	// no session the user had when RevokeUser took effect survives it.
	RevokeUser(ctx context.Context, userID, keep string) (int, error)
	// ListUser lists a user's live sessions through the per-user index.
	ListUser(ctx context.Context, userID string, now time.Time) ([]Info, error)
	// SetClaims replaces roles and claims of every session of a user and
	// reports how many sessions were updated.
	SetClaims(ctx context.Context, userID string, roles []string, claims []byte) (int, error)
}

// IDLen is the length of a session id: 128 bits in hex.
const IDLen = 32

// ID is a session id — the public, non-secret name of a session, 32
// lower-case hex digits — held in an array rather than a string. The
// Manager hands Store.Validate the id in this form so that a validation
// makes one string for it, not two: the store builds whatever string it
// needs around the id (the Redis store's key has the id inside it) and
// returns the id as State.SessionID, which may be a substring of that
// string (a substring of a Go string is a string like any other, and
// costs nothing). The Manager checks that SessionID is the id it asked
// for.
type ID [IDLen]byte

// String returns the id's text.
func (id ID) String() string { return string(id[:]) }

// Access is the access token a request presented, as Store.Validate
// receives it. Issued and RefreshPending are hints from the cookie (which
// is authenticated, so only this package can have written them): a store
// may use them to choose how to check the generation — a plain read when
// they say nothing will change, the atomic read-and-write at once when
// they say something will — but never to decide the outcome, which comes
// from the stored session alone. A wrong hint costs a round trip, never a
// wrong answer.
type Access struct {
	// Gen is the presented access generation.
	Gen uint64
	// Issued is when Gen was issued, as the cookie says; the zero Time
	// when the cookie does not say (the first token version).
	Issued time.Time
	// RefreshPending is State.RefreshPending as it was when the cookie
	// was issued: validating Gen will record that a refresh token was
	// used.
	RefreshPending bool
}

// Policy is the timing a Store enforces, passed on every call so that the
// store holds no configuration and the clock stays injected.
type Policy struct {
	AccessTTL   time.Duration
	RotateAfter time.Duration
	Grace       time.Duration
	IdleTimeout time.Duration
}

// Record is a new session as handed to Store.Create.
type Record struct {
	ID          string    // public session id (hash of the handle)
	UserID      string    //
	Roles       []string  //
	Claims      []byte    // JSON object of custom claims
	CreatedAt   time.Time //
	AbsoluteEnd time.Time // CreatedAt + AbsoluteTimeout, fixed at creation
	IdleTimeout time.Duration
	// MaxPerUser is the user's session limit (Config.MaxSessionsPerUser):
	// Create ends the least recently used sessions beyond it.
	MaxPerUser int
	// Agent is a short summary of the client's User-Agent
	// (SummarizeUserAgent): at most 64 bytes of printable ASCII, or "".
	Agent string
}

// State is what Validate and Refresh return for a live session.
type State struct {
	// SessionID is the id of the session the State is of: the id
	// Validate or Refresh was given, as a string (ID).
	SessionID     string
	UserID        string
	Roles         []string
	Claims        []byte    // JSON object text, "{}" when none
	AccessGen     uint64    // the current access generation
	AccessIssued  time.Time // when AccessGen was issued
	RefreshGen    uint64    // Refresh: the refresh generation to send
	AbsoluteEnd   time.Time
	IdleExpiresAt time.Time // when the session times out unless a write records activity first
	// RefreshPending: AccessGen was issued with the current refresh
	// generation, whose use the store has not recorded yet, so the next
	// validation of AccessGen writes (it records the use, which retires
	// the refresh token's predecessors). The Manager copies it into the
	// access cookie, so that the store can go straight to its atomic
	// write instead of reading first (Access).
	RefreshPending bool
}

// Info describes a live session for operators (listing).
type Info struct {
	ID          string
	UserID      string
	Roles       []string
	CreatedAt   time.Time
	LastActive  time.Time
	AbsoluteEnd time.Time
	Agent       string // Record.Agent
}
