package imapwatch

import (
	"context"
	"crypto/tls"
	"io"
	"reflect"
	"time"
)

// Security is how the connection is protected.
type Security string

const (
	SecurityTLS      Security = "tls"      // implicit TLS (port 993)
	SecurityStartTLS Security = "starttls" // STARTTLS on port 143
	SecurityNone     Security = "none"     // plaintext: loopback only unless AllowPlaintext
)

// Secret returns the password for an account. It is called before every
// login, from the account's goroutine, and may block (keyring, command) until
// ctx is done. An error wrapping ErrNoSecret is permanent.
type Secret func(ctx context.Context) (string, error)

// Token returns an OAuth2 access token for an account that signs in with
// OAuth2, and when it expires (zero when unknown). It is called before every
// login from the account's goroutine and may block (keyring, the token
// endpoint) until ctx is done. With refresh false a cached token that is
// still valid may be returned; with refresh true the server has just
// rejected the cached one (or said it expired) and a new one is wanted.
// An error wrapping ErrSignInNeeded is permanent; any other error is retried
// with backoff (the token endpoint may be unreachable).
type Token func(ctx context.Context, refresh bool) (token string, expiry time.Time, err error)

// Config is one account as the watcher needs it. It is built from settings
// by the bridge, which fills every field the config file has from the
// file's defaults (settings owns them): Host, Port, Security, Mailboxes,
// MaxConnections and PollInterval must be set, or the account fails with a
// *ConfigError. The timings below PollInterval are the watcher's own and
// default when zero. This package never reads files.
type Config struct {
	Name           string // unique account name, used in events
	Host           string
	Port           int // 1–65535
	Security       Security
	AllowPlaintext bool
	Username       string
	Password       Secret
	// Token, when set, replaces Password: login authenticates with
	// OAUTHBEARER where the server offers it, else XOAUTH2.
	Token          Token
	Mailboxes      []string // at least one
	MaxConnections int      // IDLE connections per account, at least 1

	// TLS verification. By default the system roots verify the server.
	// CAFile adds a CA; Fingerprint ("sha256:AB:..") pins the leaf instead.
	CAFile      string
	Fingerprint string

	PollInterval    time.Duration // without IDLE, and for the folders beyond MaxConnections
	LivenessTimeout time.Duration // server silence before a forced check; default 5m
	ResyncInterval  time.Duration // DONE + UID SEARCH + re-IDLE; default 10m
	// MaxResyncInterval: while resyncs find nothing the push missed, the
	// interval doubles up to this (default 27m: below go-imap's own IDLE
	// restart at 28 min, within RFC 2177's 29); a silent drop or a missed
	// push brings it back to ResyncInterval.
	MaxResyncInterval time.Duration
	KeepAlive         time.Duration // TCP keep-alive idle time; default 30s
	CommandTimeout    time.Duration // server silence while a command waits for its answer; default 30s
	ConnectTimeout    time.Duration // connect, TLS handshake, greeting and login, as one step; default 60s
	GreetingTimeout   time.Duration // from connected (with tls: handshake done) to the server's greeting; default 15s
	HealthyAfter      time.Duration // a connection resets the backoff after staying up this long; default 60s

	// Trace, when set, receives the IMAP protocol of every connection with
	// LOGIN/AUTHENTICATE arguments and the password replaced by ***.
	Trace io.Writer
	// Traffic, when set, counts the bytes on the wire (below TLS).
	Traffic *Traffic

	// onTLS, when set, sees the server's certificate before verification
	// (Check reports it even when verification fails).
	onTLS func(tls.ConnectionState)
}

// ConfigError is a Config without a field the watcher needs (the bridge
// fills them all from settings). It is permanent.
type ConfigError struct {
	Field string // the Config field, e.g. "Mailboxes"
}

func (e *ConfigError) Error() string { return "account config: " + e.Field + " is not set" }

// validate reports the first field the watcher needs that is unset.
func (cfg *Config) validate() error {
	switch {
	case cfg.Host == "":
		return &ConfigError{Field: "Host"}
	case cfg.Port < 1 || cfg.Port > 65535:
		return &ConfigError{Field: "Port"}
	case cfg.Security != SecurityTLS && cfg.Security != SecurityStartTLS && cfg.Security != SecurityNone:
		return &ConfigError{Field: "Security"}
	case len(cfg.Mailboxes) == 0:
		return &ConfigError{Field: "Mailboxes"}
	case cfg.MaxConnections < 1:
		return &ConfigError{Field: "MaxConnections"}
	case cfg.PollInterval <= 0:
		return &ConfigError{Field: "PollInterval"}
	}
	return nil
}

// withDefaults fills the watcher's own timings.
func (cfg *Config) withDefaults() Config {
	c := *cfg
	orDefault(&c.KeepAlive, 30*time.Second)
	orDefault(&c.LivenessTimeout, 5*time.Minute)
	orDefault(&c.ResyncInterval, 10*time.Minute)
	orDefault(&c.MaxResyncInterval, max(c.ResyncInterval, 27*time.Minute))
	orDefault(&c.CommandTimeout, 30*time.Second)
	orDefault(&c.ConnectTimeout, 60*time.Second)
	orDefault(&c.GreetingTimeout, 15*time.Second)
	orDefault(&c.HealthyAfter, 60*time.Second)
	return c
}

// orDefault sets *d to def when it is not positive.
func orDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// sameAs reports whether two configs would make the same connections. The
// Password and Token funcs cannot be compared; a changed password or a new
// sign-in is applied by Retry.
func (cfg *Config) sameAs(o *Config) bool {
	a, b := *cfg, *o
	if (a.Token == nil) != (b.Token == nil) {
		return false // switched between password and OAuth2
	}
	a.Password, b.Password = nil, nil
	a.Token, b.Token = nil, nil
	a.onTLS, b.onTLS = nil, nil
	return reflect.DeepEqual(a, b)
}

// Store keeps the per-mailbox watermark that makes "exactly once" survive
// restarts: the UIDVALIDITY and the next UID not yet reported. Save is called
// after the events for all UIDs below nextUID were handed to the event
// channel. Implementations must be safe for concurrent use and must not block
// for long (coalesce and write in the background). settings.State implements it.
type Store interface {
	Load(account, mailbox string) (uidValidity, nextUID uint32, ok bool)
	Save(account, mailbox string, uidValidity, nextUID uint32)
}
