package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"idlebell/demo"
	"idlebell/i18n/i18ntest"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// passwords is an in-memory settings.Secrets.
type passwords map[string]string

func (p passwords) Get(_ context.Context, account string) (string, error) {
	if pw, ok := p[account]; ok {
		return pw, nil
	}
	return "", &settings.SecretError{Account: account, Err: settings.ErrSecretNotFound}
}
func (p passwords) Set(account, pw string) error { p[account] = pw; return nil }
func (p passwords) Delete(account string) error  { delete(p, account); return nil }
func (p passwords) Rename(a, b string) error     { p[b] = p[a]; delete(p, a); return nil }

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs a subcommand and returns its exit status, stdout and stderr.
func run(t *testing.T, env Env, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env.Stdout, env.Stderr = &stdout, &stderr
	code, ok := Run(env, args)
	if !ok {
		t.Fatalf("Run(%q) did not know the subcommand", args)
	}
	return code, stdout.String(), stderr.String()
}

func TestRunUnknown(t *testing.T) {
	for _, args := range [][]string{nil, {"--headless"}, {"chek"}} {
		if _, ok := Run(Env{}, args); ok {
			t.Errorf("Run(%q) ran a subcommand", args)
		}
	}
}

// TestCheckTable: the table for people, one block per account, the failed
// step saying what failed and what to do.
func TestCheckTable(t *testing.T) {
	expiry := time.Date(2030, 1, 1, 13, 0, 0, 0, time.UTC)
	now := expiry.Add(-59 * time.Minute)
	fp := "sha256:AB:CD:EF:01:23:45:67:89"
	tests := []struct {
		name    string
		result  imapwatch.CheckResult
		account settings.Account
		want    string
	}{
		{"plain, passed", imapwatch.CheckResult{Account: "Home", Addr: "127.0.0.1:143", Security: imapwatch.SecurityNone,
			IPs: []string{"127.0.0.1"}, Idle: true, Preview: true, AuthMethod: "LOGIN", RTT: 1500 * time.Microsecond,
			Mailboxes: []imapwatch.MailboxCheck{{Name: "INBOX", Exists: true, Messages: 3, Unseen: 1}}},
			settings.Account{Username: "me"}, `Home (127.0.0.1:143, none): ok
  ok    resolve       127.0.0.1
  ok    connect       127.0.0.1:143
  -     tls           none: plaintext
  ok    login         as me, password (LOGIN)
  ok    capabilities  IDLE yes, NOTIFY no, CONDSTORE no, PREVIEW yes
  ok    mailboxes     INBOX: 3 messages, 1 unseen
  ok    round trip    1.50 ms
`},
		{"oauth2, passed", imapwatch.CheckResult{Account: "Gmail", Addr: "imap.gmail.com:993", Security: imapwatch.SecurityTLS,
			IPs: []string{"192.0.2.1"}, TLSVersion: "TLS 1.3", CertSubject: "CN=imap.gmail.com", CertFingerprint: fp,
			AuthMethod: "OAUTHBEARER", TokenExpiry: expiry, Idle: true, RTT: 20 * time.Millisecond},
			settings.Account{Username: "me@gmail.com"}, `Gmail (imap.gmail.com:993, tls): ok
  ok    resolve       192.0.2.1
  ok    connect       imap.gmail.com:993
  ok    tls           TLS 1.3, CN=imap.gmail.com, ` + fp + `
  ok    login         as me@gmail.com, OAuth2 (OAUTHBEARER), access token valid for 59m0s
  ok    capabilities  IDLE yes, NOTIFY no, CONDSTORE no, PREVIEW no
  ok    mailboxes     
  ok    round trip    20.00 ms
`},
		{"login failed", imapwatch.CheckResult{Account: "Work", Addr: "mail:143", Security: imapwatch.SecurityStartTLS,
			IPs: []string{"10.0.0.1"}, TLSVersion: "TLS 1.2", CertSubject: "CN=mail", CertFingerprint: fp,
			Step: "login", Err: fmt.Errorf("login: %w: [AUTHENTICATIONFAILED] no", imapwatch.ErrAuthFailed)},
			settings.Account{Username: "me"}, `Work (mail:143, starttls): FAILED
  ok    resolve       10.0.0.1
  ok    connect       mail:143
  ok    tls           TLS 1.2, CN=mail, ` + fp + `
  FAIL  login         login failed: check the password
                      The server refused this username and password. If the password changed, enter the new one in Settings or fix password_command.
`},
		{"oauth2, refused", imapwatch.CheckResult{Account: "Gmail", Addr: "imap.gmail.com:993", Security: imapwatch.SecurityTLS,
			IPs: []string{"192.0.2.1"}, TLSVersion: "TLS 1.3", CertSubject: "CN=imap.gmail.com", CertFingerprint: fp, Step: "login",
			Err: &imapwatch.AuthError{Mech: "OAUTHBEARER", Host: "imap.gmail.com", Port: 993, Err: fmt.Errorf("%w: token refused", imapwatch.ErrAuthFailed)}},
			settings.Account{Username: "me@gmail.com"}, `Gmail (imap.gmail.com:993, tls): FAILED
  ok    resolve       192.0.2.1
  ok    connect       imap.gmail.com:993
  ok    tls           TLS 1.3, CN=imap.gmail.com, ` + fp + `
  FAIL  login         the server refused the sign-in
                      Check that the username is the address you signed in with and that IMAP is switched on for the mailbox, then sign in again (in Settings, or with idlebell login).
`},
		{"certificate", imapwatch.CheckResult{Account: "Self", Addr: "self:993", Security: imapwatch.SecurityTLS, IPs: []string{"10.0.0.2"},
			Step: "tls", Err: &imapwatch.CertificateError{Host: "self", Subject: "CN=self", Fingerprint: fp, Err: errors.New("x509: unknown authority")}},
			settings.Account{}, `Self (self:993, tls): FAILED
  ok    resolve       10.0.0.2
  ok    connect       self:993
  FAIL  tls           certificate not trusted (sha256:AB:CD:EF:01:23:45…)
                      If ` + fp + ` (CN=self) is your server's certificate, trust it: Test connection in Settings, or tls_fingerprint = "` + fp + `" in the account (or tls_ca_file for the CA that signed it).
`},
		{"refused", imapwatch.CheckResult{Account: "Down", Addr: "127.0.0.1:1", Security: imapwatch.SecurityNone, IPs: []string{"127.0.0.1"},
			Step: "connect", Err: &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}},
			settings.Account{}, `Down (127.0.0.1:1, none): FAILED
  ok    resolve       127.0.0.1
  FAIL  connect       127.0.0.1:1 refused the connection
                      Check the port, and that the server is running.
`},
		{"no greeting", imapwatch.CheckResult{Account: "Privat", Addr: "127.0.0.1:993", Security: imapwatch.SecurityStartTLS, IPs: []string{"127.0.0.1"},
			Step: "greeting", Err: &imapwatch.GreetingError{Addr: "127.0.0.1:993", After: 15 * time.Second}},
			settings.Account{}, `Privat (127.0.0.1:993, starttls): FAILED
  ok    resolve       127.0.0.1
  ok    connect       127.0.0.1:993
  FAIL  greeting      connected, but the server sent no IMAP greeting
                      This port may expect TLS from the start: choose SSL/TLS (usually port 993), or STARTTLS on port 143.
`},
		{"no greeting in TLS", imapwatch.CheckResult{Account: "Mute", Addr: "m:993", Security: imapwatch.SecurityTLS, IPs: []string{"10.0.0.5"},
			TLSVersion: "TLS 1.3", CertSubject: "CN=m", CertFingerprint: fp,
			Step: "greeting", Err: &imapwatch.TimeoutError{Step: "greeting", Addr: "m:993", After: 4 * time.Second}},
			settings.Account{}, `Mute (m:993, tls): FAILED
  ok    resolve       10.0.0.5
  ok    connect       m:993
  ok    tls           TLS 1.3, CN=m, ` + fp + `
  FAIL  greeting      connected, but the server sent no IMAP greeting within 4 s
                      This port may expect TLS from the start: choose SSL/TLS (usually port 993), or STARTTLS on port 143.
`},
		{"missing mailbox", imapwatch.CheckResult{Account: "Lists", Addr: "m:143", Security: imapwatch.SecurityNone, IPs: []string{"10.0.0.3"},
			AuthMethod: "LOGIN", Step: "mailbox", Err: &imapwatch.MailboxError{Mailboxes: []string{"Lists/go"}},
			Mailboxes: []imapwatch.MailboxCheck{{Name: "INBOX", Exists: true}, {Name: "Lists/go"}}},
			settings.Account{Username: "u"}, `Lists (m:143, none): FAILED
  ok    resolve       10.0.0.3
  ok    connect       m:143
  -     tls           none: plaintext
  ok    login         as u, password (LOGIN)
  ok    capabilities  IDLE no, NOTIFY no, CONDSTORE no, PREVIEW no
  FAIL  mailboxes     folder not found: Lists/go
                      Check the folder names in the account: they are case-sensitive, except INBOX.
`},
		{"a step the table does not know", imapwatch.CheckResult{Account: "X", Addr: "x:143", Security: imapwatch.SecurityNone,
			IPs: []string{"10.0.0.4"}, Step: "teleport", Err: errors.New("odd")},
			settings.Account{Username: "u"}, `X (x:143, none): FAILED
  ok    resolve       10.0.0.4
  ok    connect       x:143
  -     tls           none: plaintext
  ok    login         as u, password (LOGIN)
  ok    capabilities  IDLE no, NOTIFY no, CONDSTORE no, PREVIEW no
  ok    mailboxes     
  FAIL  teleport      connection failed
                      Check the host, the port and that this computer is online, then try again.
`},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := writeCheckTable(&b, []checkReport{newCheckReport(&tt.result, tt.account, now)}); err != nil {
			t.Fatal(err)
		}
		if got := b.String(); got != tt.want {
			t.Errorf("%s: table =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

// TestCheckJSON: the fields scripts read.
func TestCheckJSON(t *testing.T) {
	r := &imapwatch.CheckResult{Account: "Work", Addr: "mail:993", Security: imapwatch.SecurityTLS, RTT: 2 * time.Millisecond,
		Step: "login", Err: fmt.Errorf("%w: no", imapwatch.ErrAuthFailed)}
	var b bytes.Buffer
	if err := writeCheckJSON(&b, false, []checkReport{newCheckReport(r, settings.Account{Username: "me"}, time.Now())}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		OK       bool
		Accounts []map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("check --json printed %q: %v", b.String(), err)
	}
	want := map[string]any{"account": "Work", "addr": "mail:993", "security": "tls", "username": "me", "ok": false,
		"rtt_ms": 2.0, "failed_step": "login", "message": "login failed: check the password",
		"error": "authentication failed: no"}
	if got.OK || len(got.Accounts) != 1 {
		t.Fatalf("check --json = %s", b.String())
	}
	for k, v := range want {
		if got.Accounts[0][k] != v {
			t.Errorf("check --json: %s = %v, want %v", k, got.Accounts[0][k], v)
		}
	}
	if h, _ := got.Accounts[0]["hint"].(string); !strings.Contains(h, "refused this username and password") {
		t.Errorf("check --json: hint = %q", h)
	}
}

// TestCheckArgs: what check says, and its status, before any account is
// tried.
func TestCheckArgs(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.toml")
	invalid := writeFile(t, "[[account]]\nname = \"W\"\nhost = \"h\"\nusername = \"u\"\nport = 0\n")
	disabled := writeFile(t, "[[account]]\nname = \"W\"\nhost = \"h\"\nusername = \"u\"\nenabled = false\n")
	tests := []struct {
		name       string
		args       []string
		code       int
		wantStderr string
	}{
		{"unexpected argument", []string{"check", "Work"}, 2, `idlebell check: unexpected argument “Work”`},
		{"unknown flag", []string{"check", "--jsn"}, 2, "flag provided but not defined: -jsn"},
		{"help", []string{"check", "--help"}, 0, "Usage: idlebell check"},
		{"no config file", []string{"check", "--config", missing}, 2, "idlebell check: no config file at " + missing + ": create one (see config.example.toml) or pass --config PATH"},
		{"invalid config", []string{"check", "--config", invalid}, 2, invalid + ":"},
		{"nothing enabled", []string{"check", "--config", disabled}, 1, "idlebell check: no enabled account in " + disabled},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, Env{}, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.wantStderr) || stdout != "" {
			t.Errorf("%s: idlebell %q = %d, stdout %q, stderr %q; want %d and stderr with %q", tt.name, tt.args, code, stdout, stderr, tt.code, tt.wantStderr)
		}
	}
}

// TestCheckServer runs check against the in-process demo server: one
// account passes, one has the wrong password.
func TestCheckServer(t *testing.T) {
	srv, err := demo.Start(demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.AddUser("alice", "secret"); err != nil {
		t.Fatal(err)
	}
	host, port := srv.HostPort()
	path := writeFile(t, fmt.Sprintf(`[[account]]
name = "Good"
host = %[1]q
port = %[2]d
security = "none"
username = "alice"

[[account]]
name = "Bad"
host = %[1]q
port = %[2]d
security = "none"
username = "alice"
`, host, port))
	env := Env{Secrets: passwords{"Good": "secret", "Bad": "wrong"}}
	code, stdout, stderr := run(t, env, "check", "--config", path)
	if code != 1 {
		t.Errorf("check: exit status %d, want 1\n%s", code, stderr)
	}
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	for _, want := range []string{
		"Good (" + addr + ", none): ok\n",
		"  ok    login         as alice, password (LOGIN)\n",
		"Bad (" + addr + ", none): FAILED\n",
		"  FAIL  login         login failed: check the password\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("check table lacks %q:\n%s", want, stdout)
		}
	}
}

// silentServer greets like an IMAP server and then answers nothing; it
// returns its port.
func silentServer(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fmt.Fprint(c, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN IDLE] ready\r\n")
				io.Copy(io.Discard, c) // until check closes it
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestCheckSilentLogin: a server that never answers the login is reported
// as that, with check's --timeout in seconds, in the table (English and
// German) and in JSON; closing the socket at the deadline is not "the
// connection was closed", and check, which tries once, never says that
// idlebell tries again by itself.
func TestCheckSilentLogin(t *testing.T) {
	path := writeFile(t, fmt.Sprintf("[[account]]\nname = \"Silent\"\nhost = \"127.0.0.1\"\nport = %d\nsecurity = \"none\"\nusername = \"u\"\n", silentServer(t)))
	env := Env{Secrets: passwords{"Silent": "pw"}}
	for _, c := range []struct{ locale, sentence, hint, byItself string }{
		{"C.UTF-8", "FAIL  login         the server did not answer the login within 0.2 s\n", "Try again later; if the server never answers the login", "by itself"},
		{"de_DE.UTF-8", "der Server hat innerhalb von 0,2 s nicht auf die Anmeldung geantwortet\n", "Versuchen Sie es später erneut; wenn der Server nie auf die Anmeldung antwortet", "selbst erneut"},
	} {
		i18ntest.Use(t, c.locale)
		code, stdout, stderr := run(t, env, "check", "--config", path, "--timeout", "200ms")
		if code != 1 || !strings.Contains(stdout, c.sentence) || !strings.Contains(stdout, c.hint) || strings.Contains(stdout, c.byItself) {
			t.Errorf("%s: check against a silent server = %d\n%s%s\nwant status 1, %q and %q, never %q", c.locale, code, stdout, stderr, c.sentence, c.hint, c.byItself)
		}
	}
	i18ntest.Use(t, "C.UTF-8")
	_, stdout, _ := run(t, env, "check", "--config", path, "--timeout", "200ms", "--json")
	var out struct {
		Accounts []checkReport `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || len(out.Accounts) != 1 {
		t.Fatalf("check --json: %v\n%s", err, stdout)
	}
	if a := out.Accounts[0]; a.Step != "login" || a.Message != "the server did not answer the login within 0.2 s" ||
		strings.Contains(a.Hint, "by itself") || strings.Contains(a.Error, "EOF") {
		t.Errorf("check --json against a silent server: step %q, message %q, hint %q, error %q", a.Step, a.Message, a.Hint, a.Error)
	}
}
