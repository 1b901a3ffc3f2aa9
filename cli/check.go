package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"idlebell/bridge"
	"idlebell/explain"
	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/settings"
)

var checkUsage = i18n.Mark(`Usage: idlebell check [--config PATH] [--json] [--timeout 20s] [--debug-imap]

Tests every enabled account once: resolve the host, connect, TLS (certificate
subject and SHA-256 fingerprint), login, capabilities (IDLE, NOTIFY, CONDSTORE,
PREVIEW), that the mailboxes exist, unseen counts and the round-trip time.
Exit status: 0 when every account passes, 1 otherwise, 2 for an invalid config.

Examples:
  idlebell check
  idlebell check --json | jq '.accounts[] | select(.ok | not) | .message'

Flags:
`)

// check is `idlebell check`: imapwatch.Check for each enabled account,
// concurrently, reported in config order as a table or JSON.
func check(env Env, args []string) int {
	fset := newFlags(env, "check", checkUsage)
	configPath := fset.String("config", "", i18n.T("read the config file `PATH` instead of idlebell/config.toml in the user config dir"))
	asJSON := fset.Bool("json", false, i18n.T("print JSON for scripts instead of a table"))
	timeout := fset.Duration("timeout", 20*time.Second, i18n.T("give up on an account after `DURATION`"))
	debugIMAP := fset.Bool("debug-imap", false, i18n.T("trace the IMAP protocol to stderr (passwords redacted)"))
	if code, ok := parse(fset, args); !ok {
		return code
	}
	if fset.NArg() > 0 {
		fmt.Fprintln(env.Stderr, i18n.T("idlebell check: unexpected argument %s", quoted(fset.Arg(0))))
		return exitUsage
	}
	cfg, path, code := loadConfig(env, "check", *configPath, i18n.T("create one (see config.example.toml) or pass --config PATH"))
	if cfg == nil {
		return code
	}
	var accounts []settings.Account
	for _, a := range cfg.Accounts {
		if a.Enabled {
			accounts = append(accounts, a)
		}
	}
	if len(accounts) == 0 {
		fmt.Fprintln(env.Stderr, i18n.T("idlebell check: no enabled account in %s: add an [[account]] block, or set enabled = true", path))
		return exitFailed
	}

	var trace io.Writer
	if *debugIMAP {
		trace = &lockedWriter{w: env.Stderr}
	}
	ctx, stop := interruptible(0)
	defer stop()
	// Each account has the whole --timeout from its own start, so that a
	// step cut short can say how long the server had.
	bounded := func() (context.Context, context.CancelFunc) {
		if *timeout <= 0 {
			return context.WithCancel(ctx)
		}
		return context.WithTimeout(ctx, *timeout)
	}
	b := bridge.New(bridge.Options{Secrets: env.Secrets, Tokens: env.Tokens, Trace: trace})
	results := make([]*imapwatch.CheckResult, len(accounts))
	sctx, sdone := bounded()
	signIns := missingSignIns(sctx, env.Tokens, accounts)
	sdone()
	var wg sync.WaitGroup
	for i, a := range accounts {
		if signIns[i] != nil {
			results[i] = signInNeeded(a, signIns[i])
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			actx, done := bounded()
			defer done()
			results[i] = imapwatch.Check(actx, b.Config(a))
		}()
	}
	wg.Wait()

	now := time.Now()
	reports := make([]checkReport, len(results))
	ok := true
	for i, r := range results {
		reports[i] = newCheckReport(r, accounts[i], now)
		ok = ok && r.OK()
	}
	var err error
	if *asJSON {
		err = writeCheckJSON(env.Stdout, ok, reports)
	} else {
		err = writeCheckTable(env.Stdout, reports)
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "idlebell check:", err)
		return exitFailed
	}
	if !ok {
		return exitFailed
	}
	return exitOK
}

// stepSignIn is the step of an OAuth2 account whose sign-in is not stored:
// check reports it before any network step.
const stepSignIn = "signin"

// missingSignIns looks in the keyring for each OAuth2 account's refresh
// token; an account without one gets the keyring's not-found error. nil
// tokens means the OS keyring.
func missingSignIns(ctx context.Context, tokens settings.Secrets, accounts []settings.Account) []error {
	if tokens == nil {
		tokens = settings.TokenKeyring()
	}
	out := make([]error, len(accounts))
	for i, a := range accounts {
		if !a.UsesOAuth2() {
			continue
		}
		if _, err := tokens.Get(ctx, a.Name); errors.Is(err, settings.ErrSecretNotFound) {
			out[i] = err
		}
	}
	return out
}

// signInNeeded is the result of an account that cannot log in before it
// is signed in.
func signInNeeded(a settings.Account, err error) *imapwatch.CheckResult {
	a = a.WithDefaults()
	return &imapwatch.CheckResult{
		Account:  a.Name,
		Addr:     net.JoinHostPort(a.Host, strconv.Itoa(a.Port)),
		Security: imapwatch.Security(a.Security),
		Step:     stepSignIn,
		Err:      fmt.Errorf("%w: %w", imapwatch.ErrSignInNeeded, err),
	}
}

// loginCommand is the command that signs the account in, quoted for a
// POSIX shell when the name needs it.
func loginCommand(name string) string {
	if name != "" && strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.@+", r))
	}) < 0 {
		return "idlebell login " + name
	}
	return "idlebell login '" + strings.ReplaceAll(name, "'", `'\''`) + "'"
}

// checkReport is one account's result as `check --json` prints it: the
// CheckResult's fields plus whether it passed and, if not, what failed and
// what to do (explain's sentence and hint, in English: JSON is for
// programs) and the raw error.
type checkReport struct {
	*imapwatch.CheckResult
	Username string `json:"username"`
	// TokenLifetimeS is how long the OAuth2 access token had left, in seconds.
	TokenLifetimeS float64 `json:"token_lifetime_s,omitempty"`
	OK             bool    `json:"ok"`
	RTTMs          float64 `json:"rtt_ms"`
	Message        string  `json:"message,omitempty"` // what failed
	Hint           string  `json:"hint,omitempty"`    // what to do
	Error          string  `json:"error,omitempty"`   // the underlying error
}

func newCheckReport(r *imapwatch.CheckResult, a settings.Account, now time.Time) checkReport {
	rep := checkReport{CheckResult: r, Username: a.Username, OK: r.OK(), RTTMs: float64(r.RTT.Microseconds()) / 1000}
	if !r.TokenExpiry.IsZero() {
		rep.TokenLifetimeS = r.TokenExpiry.Sub(now).Round(time.Second).Seconds()
	}
	if r.Err != nil {
		rep.Message, rep.Hint = explain.DescribeOnce(nil, r.Err)
		rep.Error = r.Err.Error()
	}
	if r.Step == stepSignIn {
		rep.Hint = "run " + loginCommand(a.Name)
	}
	return rep
}

func writeCheckJSON(w io.Writer, ok bool, reports []checkReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		OK       bool          `json:"ok"`
		Accounts []checkReport `json:"accounts"`
	}{ok, reports})
}

// writeCheckTable writes one block per account: a header line, then one
// line per step ("ok", "FAIL" or "-" for not applicable) up to the failed
// step, whose line says what failed, followed by what to do.
func writeCheckTable(w io.Writer, reports []checkReport) error {
	var b strings.Builder
	for i, rep := range reports {
		r := rep.CheckResult
		if i > 0 {
			b.WriteByte('\n')
		}
		verdict := i18n.T("ok")
		if !rep.OK {
			verdict = i18n.T("FAILED")
		}
		fmt.Fprintf(&b, "%s (%s, %s): %s\n", r.Account, r.Addr, r.Security, verdict)
		ok, failMark := i18n.T("ok"), i18n.T("FAIL")
		width := max(4, utf8.RuneCountInString(ok), utf8.RuneCountInString(failMark))
		line := func(status, step, detail string) {
			fmt.Fprintf(&b, "  %s  %s  %s\n", pad(status, width), pad(step, 12), detail)
		}
		failed := false
		if r.Step == stepSignIn {
			line(failMark, i18n.T("sign-in"), i18n.T("sign-in needed: run %s", loginCommand(r.Account)))
			continue
		}
		fail := func(label string) {
			msg, hint := explain.DescribeOnce(i18n.Template, r.Err)
			line(failMark, label, msg)
			if hint != "" {
				line("", "", hint)
			}
			failed = true
		}
		step := func(name, label string, detail func() string) {
			switch {
			case failed:
			case r.Step == name:
				fail(label)
			default:
				line(ok, label, detail())
			}
		}
		step("resolve", i18n.T("resolve"), func() string { return strings.Join(r.IPs, ", ") })
		step("connect", i18n.T("connect"), func() string { return r.Addr })
		// The greeting has a line of its own only when it failed: connected,
		// but no "* OK" (before TLS with none or starttls, after it with tls).
		greeting := func() {
			if r.Step == "greeting" {
				step("greeting", i18n.T("greeting"), func() string { return "" })
			}
		}
		if r.Security != imapwatch.SecurityTLS {
			greeting()
		}
		if r.Security == imapwatch.SecurityNone {
			if !failed {
				line("-", i18n.T("tls"), i18n.T("none: plaintext"))
			}
		} else {
			step("tls", i18n.T("tls"), func() string {
				return fmt.Sprintf("%s, %s, %s", r.TLSVersion, r.CertSubject, r.CertFingerprint)
			})
		}
		if r.Security == imapwatch.SecurityTLS {
			greeting()
		}
		step("login", i18n.T("login"), func() string { return i18n.T("as %s, %s", rep.Username, authDetail(r, rep.TokenLifetimeS)) })
		step("capabilities", i18n.T("capabilities"), func() string {
			return fmt.Sprintf("IDLE %s, NOTIFY %s, CONDSTORE %s, PREVIEW %s",
				yesNo(r.Idle), yesNo(r.Notify), yesNo(r.Condstore), yesNo(r.Preview))
		})
		step("mailbox", i18n.T("mailboxes"), func() string {
			var parts []string
			for _, m := range r.Mailboxes {
				parts = append(parts, i18n.T("%s: %d messages, %d unseen", m.Name, m.Messages, m.Unseen))
			}
			return strings.Join(parts, "; ")
		})
		if rep.OK {
			line(ok, i18n.T("round trip"), decimal(rep.RTTMs)+" ms")
		} else if !failed {
			fail(r.Step) // a step this table does not know
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// authDetail is how login went: "password (LOGIN)" or "OAuth2 (OAUTHBEARER),
// access token valid for 59m0s".
func authDetail(r *imapwatch.CheckResult, lifetimeS float64) string {
	switch r.AuthMethod {
	case "LOGIN", "":
		return i18n.T("password (LOGIN)")
	}
	s := "OAuth2 (" + r.AuthMethod + ")"
	if !r.TokenExpiry.IsZero() {
		s = i18n.T("%s, access token valid for %s", s, (time.Duration(lifetimeS) * time.Second).String())
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return i18n.T("yes")
	}
	return i18n.T("no")
}
