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
// Every method that sits on the request path (Validate, Refresh) must cost one
// round trip and apply its change atomically.
type Store interface {
	// Create stores a new session and adds it to its user's index.
	Create(ctx context.Context, rec Record) error
	// Validate checks the access generation gen of session id at now under
	// policy p, slides the idle timeout, rotates the generation when due, and
	// marks the current refresh token used when gen was issued with it.
	Validate(ctx context.Context, id string, gen uint64, now time.Time, p Policy) (State, error)
	// Refresh rotates the refresh generation (contract §3) and issues a fresh
	// access generation, or returns the current ones for an idempotent
	// replay; ErrTheft after it revoked the session.
	Refresh(ctx context.Context, id string, gen uint64, now time.Time, p Policy) (State, error)
	// Revoke deletes one session. It reports whether the session existed.
	Revoke(ctx context.Context, id string) (bool, error)
	// RevokeUser deletes every session of a user and reports how many.
	RevokeUser(ctx context.Context, userID string) (int, error)
	// ListUser lists a user's live sessions through the per-user index.
	ListUser(ctx context.Context, userID string, now time.Time) ([]Info, error)
	// SetClaims replaces roles and claims of every session of a user and
	// reports how many sessions were updated.
	SetClaims(ctx context.Context, userID string, roles []string, claims []byte) (int, error)
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
}

// State is what Validate and Refresh return for a live session.
type State struct {
	UserID        string
	Roles         []string
	Claims        []byte    // JSON object text, "{}" when none
	AccessGen     uint64    // the current access generation
	AccessIssued  time.Time // when AccessGen was issued
	Rotated       bool      // Validate: the caller must send AccessGen's cookie
	RefreshGen    uint64    // Refresh: the refresh generation to send
	AbsoluteEnd   time.Time
	IdleExpiresAt time.Time
}

// Info describes a live session for operators (listing).
type Info struct {
	ID          string
	UserID      string
	Roles       []string
	CreatedAt   time.Time
	LastActive  time.Time
	AbsoluteEnd time.Time
}
