package redisstore

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

func hashUser(userID string) string {
	sum := sha256.Sum256([]byte(userID))
	return hex.EncodeToString(sum[:16])
}

// Modes of REDIS_MODE.
const (
	ModeStandalone = "standalone"
	ModeCluster    = "cluster"
)

// ClientConfig is how to reach Redis: REDIS_URL and REDIS_MODE.
type ClientConfig struct {
	// URL: redis://[user:password@]host:port[/db] or rediss:// for TLS
	// (ACL user and password in the URL). In cluster mode, extra seed nodes
	// as ?addr=host:port&addr=… (go-redis ParseClusterURL). REDIS_URL.
	URL string
	// Mode: ModeStandalone (default) or ModeCluster. REDIS_MODE.
	Mode string
	// PoolSize is the number of connections per node. 0 means 4, suited
	// to a Lambda, which handles one request at a time; a long-running
	// server that serves many requests at once (the local gateway) sets
	// more.
	PoolSize int
	// RootCAs verifies a rediss:// server's certificate; nil means the
	// system roots (which hold the CA of managed services such as
	// ElastiCache). Set it for a Redis behind a private CA.
	RootCAs *x509.CertPool
}

// String never prints the password.
func (c ClientConfig) String() string {
	return fmt.Sprintf("redis(%s, %s)", c.Mode, redactURL(c.URL))
}

func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "<malformed>"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = "<credentials>@" + rest[at+1:]
	}
	return scheme + "://" + rest
}

// ClientConfigFromEnv reads REDIS_URL and REDIS_MODE through lookup.
func ClientConfigFromEnv(lookup func(string) (string, bool)) (ClientConfig, error) {
	c := ClientConfig{Mode: ModeStandalone}
	if v, ok := lookup("REDIS_URL"); ok {
		c.URL = strings.TrimSpace(v)
	}
	if v, ok := lookup("REDIS_MODE"); ok && strings.TrimSpace(v) != "" {
		c.Mode = strings.ToLower(strings.TrimSpace(v))
	}
	return c, c.Validate()
}

// Validate reports every problem at once; messages never include the URL's
// credentials.
func (c ClientConfig) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("REDIS_URL is required"))
	}
	switch c.Mode {
	case "", ModeStandalone, ModeCluster:
	default:
		errs = append(errs, fmt.Errorf("REDIS_MODE %q must be standalone or cluster", c.Mode))
	}
	if c.PoolSize < 0 || c.PoolSize > 1024 {
		errs = append(errs, fmt.Errorf("redis pool size %d must be between 0 and 1024", c.PoolSize))
	}
	if c.URL != "" && len(errs) == 0 {
		if _, err := c.options(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Timeouts suited to Lambda: a frozen sandbox thaws with connections the
// server may have dropped, so idle connections are recycled quickly and
// every call is short.
const (
	dialTimeout     = 1 * time.Second
	rwTimeout       = 500 * time.Millisecond
	poolSize        = 4
	connMaxIdleTime = 30 * time.Second
)

func (c ClientConfig) options() (*redis.UniversalOptions, error) {
	pool := poolSize
	if c.PoolSize > 0 {
		pool = c.PoolSize
	}
	u := &redis.UniversalOptions{
		DialTimeout:     dialTimeout,
		ReadTimeout:     rwTimeout,
		WriteTimeout:    rwTimeout,
		PoolSize:        pool,
		MinIdleConns:    0,
		ConnMaxIdleTime: connMaxIdleTime,
		MaxRetries:      1,
		// Few dial retries: the caller's deadline is short, and a failed dial
		// must turn into a 5xx quickly rather than a hang.
		DialerRetries:      2,
		DialerRetryTimeout: 50 * time.Millisecond,
		// No CLIENT SETINFO / maintenance-notification handshakes: a cold
		// Lambda's first request pays only the dial and HELLO.
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		// No client-side timeout inflation: the context deadline wins.
		ContextTimeoutEnabled: true,
	}
	switch c.Mode {
	case ModeCluster:
		o, err := redis.ParseClusterURL(c.URL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL is not a valid cluster URL (%s)", redactURL(c.URL))
		}
		u.Addrs = o.Addrs
		u.Username, u.Password, u.TLSConfig = o.Username, o.Password, o.TLSConfig
		u.MaxRedirects = 3
		u.ReadOnly = false
		u.IsClusterMode = true
	default:
		o, err := redis.ParseURL(c.URL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL is not a valid redis:// or rediss:// URL (%s)", redactURL(c.URL))
		}
		u.Addrs = []string{o.Addr}
		u.Username, u.Password, u.TLSConfig, u.DB = o.Username, o.Password, o.TLSConfig, o.DB
	}
	if u.TLSConfig != nil && c.RootCAs != nil {
		u.TLSConfig.RootCAs = c.RootCAs
	}
	for _, a := range u.Addrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("REDIS_URL: address %q is not host:port", a)
		}
	}
	return u, nil
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// SilenceClientLogs drops go-redis's own log lines (process-wide): they can
// print the store's address, and every failure already reaches the caller
// as an error that the binaries log with an allow-listed reason. Mains call
// it once at start-up.
func SilenceClientLogs() { redis.SetLogger(quietLogger{}) }

// NewClient builds the client. It does no network I/O: the first command
// dials. Build it once per process (in a Lambda, outside the handler).
func NewClient(c ClientConfig) (redis.UniversalClient, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	o, _ := c.options()
	if c.Mode == ModeCluster {
		return redis.NewClusterClient(o.Cluster()), nil
	}
	return redis.NewClient(o.Simple()), nil
}
