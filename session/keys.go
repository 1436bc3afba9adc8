package session

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// KeyPair is one securecookie key pair: a hash key (HMAC-SHA256, 32 or 64
// bytes) that authenticates the cookie and a block key (AES, 16, 24 or 32
// bytes) that encrypts it. A KeyPair never prints its bytes.
type KeyPair struct {
	Hash  []byte
	Block []byte
}

// String redacts the key material.
func (KeyPair) String() string { return "KeyPair{redacted}" }

// GoString redacts the key material in %#v.
func (KeyPair) GoString() string { return "session.KeyPair{redacted}" }

// LogValue redacts the key material in log/slog output.
func (KeyPair) LogValue() slog.Value { return slog.StringValue("redacted") }

// ParseKeys parses a SESSION_KEYS value: comma-separated pairs, newest first,
// each "<base64 hash key>:<base64 block key>". Standard base64 with padding is
// expected; URL-safe and unpadded forms are accepted too. Every problem comes
// back together in one *ConfigError (which matches ErrInvalidInput); a
// message names the pair by position and never includes key material.
func ParseKeys(s string) ([]KeyPair, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, configErr([]error{errors.New("SESSION_KEYS is empty")})
	}
	var out []KeyPair
	var p []error
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		h, b, ok := strings.Cut(part, ":")
		if !ok {
			p = append(p, fmt.Errorf("SESSION_KEYS: pair %d: want <hash key>:<block key>", i+1))
			continue
		}
		hk, err := decodeKey(h)
		if err != nil {
			p = append(p, fmt.Errorf("SESSION_KEYS: pair %d: hash key is %w", i+1, err))
		} else if len(hk) != 32 && len(hk) != 64 {
			p = append(p, fmt.Errorf("SESSION_KEYS: pair %d: hash key must be 32 or 64 bytes, got %d", i+1, len(hk)))
		}
		bk, err := decodeKey(b)
		if err != nil {
			p = append(p, fmt.Errorf("SESSION_KEYS: pair %d: block key is %w", i+1, err))
		} else if len(bk) != 16 && len(bk) != 24 && len(bk) != 32 {
			p = append(p, fmt.Errorf("SESSION_KEYS: pair %d: block key must be 16, 24 or 32 bytes, got %d", i+1, len(bk)))
		}
		out = append(out, KeyPair{Hash: hk, Block: bk})
	}
	if err := configErr(p); err != nil {
		return nil, err
	}
	return out, nil
}

// errNotBase64 is the cause of a key that no accepted base64 form decodes.
// The decoder's own error is not kept: its byte offset says something
// about the key.
var errNotBase64 = errors.New("not base64 (standard or URL-safe, padded or not)")

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errNotBase64
}

// GenerateKeys returns a fresh SESSION_KEYS value with one pair: a 64-byte
// hash key and a 32-byte block key from r (crypto/rand when r is nil).
func GenerateKeys(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	h := make([]byte, 64)
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, h); err != nil {
		return "", fmt.Errorf("session: generate keys: %w", err)
	}
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("session: generate keys: %w", err)
	}
	return base64.StdEncoding.EncodeToString(h) + ":" + base64.StdEncoding.EncodeToString(b), nil
}

// FormatKeys renders pairs back into the SESSION_KEYS form (newest first).
func FormatKeys(pairs []KeyPair) string {
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = base64.StdEncoding.EncodeToString(p.Hash) + ":" + base64.StdEncoding.EncodeToString(p.Block)
	}
	return strings.Join(parts, ",")
}
