package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"idlebell/imapwatch"
	"idlebell/settings"
)

const checkUsage = `Usage: idlebell check [--config PATH] [--json] [--timeout 20s] [--debug-imap]

Tests every enabled account once: resolve the host, connect, TLS (certificate
subject and SHA-256 fingerprint), login, capabilities (IDLE, NOTIFY, CONDSTORE,
PREVIEW), that the mailboxes exist, unseen counts and the round-trip time.
Exit status: 0 when every account passes, 1 otherwise, 2 for an invalid config.

Examples:
  idlebell check
  idlebell check --json | jq '.accounts[] | select(.ok | not) | .message'

Flags:
`

// runCheck is `idlebell check`: imapwatch.Check for each enabled account,
// concurrently, reported in config order as a table or JSON.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("idlebell check", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, checkUsage); fset.PrintDefaults() }
	configPath := fset.String("config", "", "config file (default: the user config dir's idlebell/config.toml)")
	asJSON := fset.Bool("json", false, "print JSON for scripts instead of a table")
	timeout := fset.Duration("timeout", 20*time.Second, "give up on an account after this long")
	debugIMAP := fset.Bool("debug-imap", false, "trace the IMAP protocol to stderr (passwords redacted)")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "idlebell check: unexpected argument %q\n", fset.Arg(0))
		return 2
	}
	path := *configPath
	if path == "" {
		p, err := settings.Path()
		if err != nil {
			fmt.Fprintln(stderr, "idlebell check:", err)
			return 1
		}
		path = p
	}
	cfg, err := settings.Load(path)
	var cfgErr *settings.Error
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(stderr, "idlebell check: no config file at %s: create one (see config.example.toml) or pass --config PATH\n", path)
		return 2
	case errors.As(err, &cfgErr):
		fmt.Fprintln(stderr, err)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "idlebell check:", err)
		return 1
	}
	var accounts []settings.Account
	for _, a := range cfg.Accounts {
		if a.Enabled {
			accounts = append(accounts, a)
		}
	}
	if len(accounts) == 0 {
		fmt.Fprintf(stderr, "idlebell check: no enabled account in %s: add an [[account]] block, or set enabled = true\n", path)
		return 1
	}

	// Always a writer: imapwatch.Check wraps a nil Trace in a typed-nil
	// redactor that panics on the first read (reported to imapwatch's owner);
	// io.Discard sidesteps that until it is fixed.
	var trace io.Writer = io.Discard
	if *debugIMAP {
		trace = &lockedWriter{w: stderr}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	secrets := settings.Keyring()
	results := make([]*imapwatch.CheckResult, len(accounts))
	var wg sync.WaitGroup
	for i, a := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = imapwatch.Check(ctx, watchConfig(a, secrets, trace))
		}()
	}
	wg.Wait()

	reports := make([]checkReport, len(results))
	ok := true
	for i, r := range results {
		reports[i] = newCheckReport(r, accounts[i], *timeout)
		ok = ok && r.OK()
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			OK       bool          `json:"ok"`
			Accounts []checkReport `json:"accounts"`
		}{ok, reports}); err != nil {
			fmt.Fprintln(stderr, "idlebell check:", err)
			return 1
		}
	} else {
		if err := printCheckTable(stdout, reports); err != nil {
			fmt.Fprintln(stderr, "idlebell check:", err)
			return 1
		}
	}
	if !ok {
		return 1
	}
	return 0
}

// checkReport is one account's result as `check --json` prints it: the
// CheckResult's fields plus whether it passed and, if not, the sentence
// for people and the raw error.
type checkReport struct {
	*imapwatch.CheckResult
	Username string `json:"username"`
	// TokenLifetimeS is how long the OAuth2 access token had left, in seconds.
	TokenLifetimeS float64 `json:"token_lifetime_s,omitempty"`
	OK             bool    `json:"ok"`
	RTTMs          float64 `json:"rtt_ms"`
	Message        string  `json:"message,omitempty"` // what failed and what to do
	Error          string  `json:"error,omitempty"`   // the underlying error
}

func newCheckReport(r *imapwatch.CheckResult, a settings.Account, timeout time.Duration) checkReport {
	rep := checkReport{CheckResult: r, Username: a.Username, OK: r.OK(), RTTMs: float64(r.RTT.Microseconds()) / 1000}
	if !r.TokenExpiry.IsZero() {
		rep.TokenLifetimeS = time.Until(r.TokenExpiry).Round(time.Second).Seconds()
	}
	if r.Err != nil {
		rep.Message = checkFailure(r, a, timeout)
		rep.Error = r.Err.Error()
	}
	return rep
}

// checkFailure is the failed step as a sentence that says what to do. It
// classifies with errors.Is/As, never by matching message text.
func checkFailure(r *imapwatch.CheckResult, a settings.Account, timeout time.Duration) string {
	err := r.Err
	var (
		cerr   *imapwatch.CertificateError
		dnsErr *net.DNSError
		opErr  *net.OpError
	)
	switch {
	case errors.Is(err, settings.ErrPasswordCommand):
		return fmt.Sprintf("no password: %v — fix password_command so that it prints the password on its first line", unwrapTo(err, settings.ErrPasswordCommand))
	case errors.Is(err, imapwatch.ErrSignInNeeded):
		return fmt.Sprintf("sign-in needed: %v — sign in again with: idlebell login %s (or Sign in again… in Settings)", err, a.Name)
	case a.UsesOAuth2() && errors.Is(err, imapwatch.ErrNoSecret):
		return fmt.Sprintf("no usable OAuth2 sign-in (%v) — check the keyring and oauth_client_id, then run: idlebell login %s", err, a.Name)
	case a.UsesOAuth2() && errors.Is(err, imapwatch.ErrAuthFailed):
		return fmt.Sprintf("login failed: %v", err)
	case errors.Is(err, imapwatch.ErrNoSecret):
		return fmt.Sprintf("no password available (%v) — store it in the keyring from the tray's Settings, or set password_command", err)
	case errors.Is(err, imapwatch.ErrAuthFailed):
		return fmt.Sprintf("login failed: the server rejected the username or password — check username = %q and the password (keyring or password_command)", a.Username)
	case errors.As(err, &cerr):
		msg := fmt.Sprintf("the server's certificate is not trusted (%v)", cerr.Err)
		if cerr.Subject != "" {
			msg += "; subject " + cerr.Subject
		}
		return msg + fmt.Sprintf("; SHA-256 fingerprint %s — if that is your server's certificate, trust it: add tls_fingerprint = %q to the account, or tls_ca_file = \"/path/to/ca.pem\" for the CA that signed it",
			cerr.Fingerprint, cerr.Fingerprint)
	case errors.Is(err, imapwatch.ErrNoTLS):
		return "the server does not offer STARTTLS — use security = \"tls\" (usually port 993), or \"none\" only on a trusted network"
	case errors.Is(err, imapwatch.ErrPlaintextRefused):
		return fmt.Sprintf("refusing to send the password unencrypted to %s — use security = \"tls\" or \"starttls\" (or allow_plaintext = true if you really mean it)", a.Host)
	case errors.Is(err, imapwatch.ErrMailboxMissing):
		var missing []string
		for _, m := range r.Mailboxes {
			if !m.Exists {
				missing = append(missing, m.Name)
			}
		}
		return fmt.Sprintf("mailbox %s does not exist on the server — check mailboxes in the account (names are case-sensitive, except INBOX)", strings.Join(missing, ", "))
	case r.Step == "resolve" || errors.As(err, &dnsErr):
		return fmt.Sprintf("can't resolve %s — check host, and that this machine can reach its DNS", a.Host)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("can't connect to %s: connection refused — is the server running and the port right?", r.Addr)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("no answer from %s within %s — is the host right, and does a firewall let port %d through?", r.Addr, timeout, a.WithDefaults().Port)
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("can't connect to %s: no route to the host — check the network and the host name", r.Addr)
	case r.Step == "connect" && errors.As(err, &opErr):
		return fmt.Sprintf("can't connect to %s: %v — check host and port", r.Addr, opErr.Err)
	case r.Step == "connect" && a.WithDefaults().Security == settings.SecurityTLS:
		return fmt.Sprintf("TLS with %s failed (%v) — if this port does not speak TLS, use security = \"starttls\" or the TLS port (usually 993)", r.Addr, err)
	}
	return fmt.Sprintf("%s failed: %v", r.Step, err)
}

// unwrapTo returns the part of err's message from sentinel's text on: the
// chain's outer layers only repeat the account name.
func unwrapTo(err, sentinel error) string {
	s := err.Error()
	if i := strings.Index(s, sentinel.Error()); i >= 0 {
		return s[i:]
	}
	return s
}

// printCheckTable writes one block per account: a header line, then one
// line per step ("ok", "FAIL" or "-" for not applicable) up to the failed
// step, whose line carries the sentence saying what to do.
func printCheckTable(w io.Writer, reports []checkReport) error {
	var b strings.Builder
	for i, rep := range reports {
		r := rep.CheckResult
		if i > 0 {
			b.WriteByte('\n')
		}
		verdict := "ok"
		if !rep.OK {
			verdict = "FAILED"
		}
		fmt.Fprintf(&b, "%s (%s, %s): %s\n", r.Account, r.Addr, r.Security, verdict)
		line := func(status, step, detail string) {
			fmt.Fprintf(&b, "  %-4s  %-12s  %s\n", status, step, detail)
		}
		failed := false
		step := func(name, label string, detail func() string) {
			switch {
			case failed:
			case r.Step == name:
				line("FAIL", label, rep.Message)
				failed = true
			default:
				line("ok", label, detail())
			}
		}
		step("resolve", "resolve", func() string { return strings.Join(r.IPs, ", ") })
		step("connect", "connect", func() string { return r.Addr })
		if r.Security == imapwatch.SecurityNone {
			if !failed {
				line("-", "tls", "none: plaintext")
			}
		} else {
			step("tls", "tls", func() string {
				return fmt.Sprintf("%s, %s, %s", r.TLSVersion, r.CertSubject, r.CertFingerprint)
			})
		}
		step("login", "login", func() string { return "as " + rep.Username + ", " + authDetail(r, time.Now()) })
		step("capabilities", "capabilities", func() string {
			return fmt.Sprintf("IDLE %s, NOTIFY %s, CONDSTORE %s, PREVIEW %s",
				yesNo(r.Idle), yesNo(r.Notify), yesNo(r.Condstore), yesNo(r.Preview))
		})
		step("mailbox", "mailboxes", func() string {
			var parts []string
			for _, m := range r.Mailboxes {
				parts = append(parts, fmt.Sprintf("%s: %d messages, %d unseen", m.Name, m.Messages, m.Unseen))
			}
			return strings.Join(parts, "; ")
		})
		if rep.OK {
			line("ok", "round trip", fmt.Sprintf("%.2f ms", rep.RTTMs))
		} else if !failed {
			line("FAIL", r.Step, rep.Message) // a step this table does not know
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// authDetail is how login went: "password (LOGIN)" or "OAuth2 (OAUTHBEARER),
// access token valid for 59m".
func authDetail(r *imapwatch.CheckResult, now time.Time) string {
	switch r.AuthMethod {
	case "LOGIN", "":
		return "password (LOGIN)"
	}
	s := "OAuth2 (" + r.AuthMethod + ")"
	if !r.TokenExpiry.IsZero() {
		s += ", access token valid for " + r.TokenExpiry.Sub(now).Round(time.Second).String()
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// lockedWriter serialises the traces of accounts checked concurrently.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
