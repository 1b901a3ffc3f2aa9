package imapwatch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"idlebell/trust"
)

// MailboxCheck is what Check found for one mailbox.
type MailboxCheck struct {
	Name     string `json:"name"`
	Exists   bool   `json:"exists"`
	Messages uint32 `json:"messages"`
	Unseen   uint32 `json:"unseen"`
}

// CheckResult is the outcome of Check, step by step, for `idlebell check`
// and the settings window's Test connection.
type CheckResult struct {
	Account  string   `json:"account"`
	Addr     string   `json:"addr"`
	Security Security `json:"security"`
	// Resolved addresses of the host.
	IPs []string `json:"ips,omitempty"`
	// TLS details; empty for security "none".
	TLSVersion      string         `json:"tls_version,omitempty"`
	CertSubject     string         `json:"cert_subject,omitempty"`
	CertFingerprint string         `json:"cert_fingerprint,omitempty"`
	Caps            []string       `json:"capabilities,omitempty"`
	Idle            bool           `json:"idle"`
	Notify          bool           `json:"notify"`
	Condstore       bool           `json:"condstore"`
	Preview         bool           `json:"preview"`
	Mailboxes       []MailboxCheck `json:"mailboxes,omitempty"`
	// AuthMethod is how login went: LOGIN (password), OAUTHBEARER or
	// XOAUTH2 (OAuth2 access token); empty when login was not reached.
	AuthMethod string `json:"auth_method,omitempty"`
	// TokenExpiry is when the OAuth2 access token used expires; zero for
	// passwords or when the provider did not say.
	TokenExpiry time.Time `json:"token_expiry,omitzero"`
	// RTT is one NOOP round trip after login.
	RTT time.Duration `json:"rtt_ns"`
	// Step is the step that failed: resolve, connect, greeting (connected,
	// but no IMAP greeting: before tls with security none or starttls,
	// after it with tls), tls, login, mailbox;
	// empty when all passed. Err is classified like the watcher's errors.
	Step string `json:"failed_step,omitempty"`
	Err  error  `json:"-"`
}

// OK reports whether every step passed.
func (r *CheckResult) OK() bool { return r.Err == nil }

// Check runs connect → TLS → login → capabilities → mailboxes once and
// reports each step. It never retries. It returns when done or ctx ends.
// A step cut short by ctx's deadline fails with a *TimeoutError naming the
// step and the time ctx allowed (measured from Check's start): the socket
// closed at the deadline reads as an EOF, which is not what went wrong.
func Check(ctx context.Context, cfg Config) *CheckResult {
	start := time.Now()
	cfg = cfg.withDefaults()
	r := &CheckResult{Account: cfg.Name, Addr: cfg.Addr(), Security: cfg.Security}
	fail := func(step string, err error) *CheckResult {
		if dl, ok := ctx.Deadline(); ok && step != "config" && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = &TimeoutError{Step: step, Addr: cfg.Addr(), After: dl.Sub(start).Round(10 * time.Millisecond)}
		}
		r.Step, r.Err = step, err
		return r
	}
	if err := cfg.validate(); err != nil {
		return fail("config", err)
	}
	host := strings.Trim(cfg.Host, "[]")
	ips, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		return fail("resolve", fmt.Errorf("resolve %s: %w", host, err))
	}
	r.IPs = ips

	// Capture the server certificate whether the handshake passes or not.
	var state *tls.ConnectionState
	cfg.onTLS = func(cs tls.ConnectionState) { state = &cs }
	trace, onSecret := redactingTrace(&cfg)
	reached := "connect"
	lk, err := dial(ctx, &cfg, dialOptions{debug: trace, step: func(s string) { reached = s }})
	if state != nil && len(state.PeerCertificates) > 0 {
		r.TLSVersion = tls.VersionName(state.Version)
		r.CertSubject = state.PeerCertificates[0].Subject.String()
		r.CertFingerprint = trust.Fingerprint(state.PeerCertificates[0].Raw)
	}
	if err != nil {
		var cerr *CertificateError
		if errors.As(err, &cerr) {
			r.CertSubject, r.CertFingerprint = cerr.Subject, cerr.Fingerprint
			return fail("tls", err)
		}
		if errors.Is(err, ErrNoTLS) {
			return fail("tls", err)
		}
		if errors.Is(err, ErrNoGreeting) || reached == "greeting" {
			return fail("greeting", err)
		}
		return fail("connect", err)
	}
	c := lk.c
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	// Server texts pass through the secrets before they reach the user.
	secrets := &secretSet{}
	learn := func(s string) {
		secrets.add(s)
		if onSecret != nil {
			onSecret(s)
		}
	}
	info, err := login(ctx, c, &cfg, learn, false)
	if err != nil {
		return fail("login", secrets.redactErr(err))
	}
	r.AuthMethod = info.mech
	r.TokenExpiry = info.tokenExpiry
	caps := c.Caps()
	for cp := range caps {
		r.Caps = append(r.Caps, string(cp))
	}
	slices.Sort(r.Caps)
	r.Idle = caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2)
	r.Notify = caps.Has("NOTIFY")
	r.Condstore = caps.Has(imap.CapCondStore)
	r.Preview = caps.Has("PREVIEW")

	t0 := time.Now()
	if err := c.Noop().Wait(); err != nil {
		return fail("login", secrets.redactErr(err))
	}
	r.RTT = time.Since(t0)

	// The mailboxes' refusals are classified as the watcher classifies
	// them: only a missing one is "not found"; one busy for now or not
	// readable says so. Missing mailboxes are reported first (the user
	// must change the config), else the first other refusal.
	var missing []*MailboxError
	var refused error
	for _, mb := range cfg.Mailboxes {
		st, err := c.Status(mb, &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
		mc := MailboxCheck{Name: mb}
		var ierr *imap.Error
		switch {
		case err == nil:
			mc.Exists = true
			if st.NumMessages != nil {
				mc.Messages = *st.NumMessages
			}
			if st.NumUnseen != nil {
				mc.Unseen = *st.NumUnseen
			}
		case !errors.As(err, &ierr) || lk.g.tooLarge() != nil:
			// The connection is gone (or the server broke a limit).
			if e := lk.g.tooLarge(); e != nil {
				err = e
			}
			return fail("mailbox", fmt.Errorf("status %s: %w", mb, secrets.redactErr(err)))
		default:
			err = refusedMailbox("status", mb, ierr, secrets, func() (bool, error) { return listed(c, mb) })
			var mberr *MailboxError
			switch {
			case errors.As(err, &mberr):
				missing = append(missing, mberr)
			case refused == nil:
				refused = err
			}
		}
		r.Mailboxes = append(r.Mailboxes, mc)
	}
	c.Logout().Wait()
	switch len(missing) {
	case 0:
	case 1:
		return fail("mailbox", missing[0])
	default:
		all := &MailboxError{}
		for _, e := range missing {
			all.Mailboxes = append(all.Mailboxes, e.Mailboxes...)
		}
		return fail("mailbox", all)
	}
	if refused != nil {
		return fail("mailbox", refused)
	}
	return r
}

// redactingTrace is cfg.Trace behind a redactor, or a nil io.Writer (not a
// nil *redactor: go-imap would call it), and the function that teaches it
// the password or token (nil without a trace).
func redactingTrace(cfg *Config) (io.Writer, func(string)) {
	if cfg.Trace == nil {
		return nil, nil
	}
	r := newRedactor(cfg.Trace, "["+cfg.Name+"] ")
	return r, r.addSecret
}

// MarkSeen sets \Seen on one message over a short connection of its own:
// the watcher's connections stay read-only. It refuses when the mailbox's
// UIDVALIDITY is no longer uidValidity (the UID would name another message).
func MarkSeen(ctx context.Context, cfg Config, mailbox string, uidValidity, uid uint32) error {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	trace, onSecret := redactingTrace(&cfg)
	lk, err := dial(ctx, &cfg, dialOptions{debug: trace})
	if err != nil {
		return err
	}
	c := lk.c
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := login(ctx, c, &cfg, onSecret, false); err != nil {
		return err
	}
	sel, err := c.Select(mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", mailbox, err)
	}
	if sel.UIDValidity != uidValidity {
		return fmt.Errorf("mark as read: %s was recreated on the server; the message is gone", mailbox)
	}
	err = c.Store(imap.UIDSetNum(imap.UID(uid)), &imap.StoreFlags{
		Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen},
	}, nil).Close()
	if err != nil {
		return fmt.Errorf("mark uid %d in %s as read: %w", uid, mailbox, err)
	}
	c.Logout().Wait()
	return nil
}
