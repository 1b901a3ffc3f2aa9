package main

// End-to-end tests of OAuth2 accounts: `idlebell login` (device code and
// browser) stores the refresh token in the desktop session's gnome-keyring,
// `idlebell check` reports the mechanism and token lifetime, `--headless`
// logs in with it through Dovecot's oauth2 passdb and announces mail, and a
// revoked sign-in becomes "sign-in needed". No token may appear in any file
// written, any log line or the IMAP trace.

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"idlebell/internal/oauthtest"
	"idlebell/internal/testsession"
	"idlebell/settings"
)

type oauthE2E struct {
	auth    *oauthtest.Server
	d       *testsession.Dovecot
	dir     string
	account string // also the IMAP user
	config  string
}

func startOAuthE2E(t *testing.T) *oauthE2E {
	t.Helper()
	testsession.DesktopFromEnv(t) // the keyring
	auth, err := oauthtest.Start(oauthtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close() })
	d, err := testsession.StartDovecot(t.TempDir(), testsession.DovecotOptions{OAuth2IntrospectionURL: auth.IntrospectURL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	e := &oauthE2E{auth: auth, d: d, dir: t.TempDir(), account: newUser("oauth")}
	t.Cleanup(func() { keyring.Delete(settings.KeyringTokenService, e.account) })
	host, port, _ := net.SplitHostPort(d.TLSAddr)
	text := fmt.Sprintf(`version = 1

[[account]]
name = %[1]q
host = %[2]q
port = %[3]s
security = "tls"
tls_ca_file = %[4]q
username = %[1]q
auth = "oauth2"
oauth_provider = "custom"
oauth_client_id = %[5]q
oauth_auth_url = %[6]q
oauth_token_url = %[7]q
oauth_device_url = %[8]q
oauth_scopes = ["mail", "offline_access"]
`, e.account, host, port, d.CAFile, oauthtest.ClientID, auth.AuthURL(), auth.TokenURL(), auth.DeviceURL())
	e.config = filepath.Join(e.dir, "config.toml")
	if err := os.WriteFile(e.config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// loginDevice runs `idlebell login --device` and approves the code it prints.
func (e *oauthE2E) loginDevice(t *testing.T) string {
	t.Helper()
	c := startChild(t, e.dir, nil, "login", "--config", e.config, "--device", e.account)
	var out []string
	for {
		line := c.nextLine()
		out = append(out, line)
		if code, ok := strings.CutPrefix(line, "  2. Enter the code "); ok {
			if err := e.auth.ApproveDevice(code, e.account); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if code := c.wait(); code != 0 {
		t.Fatalf("idlebell login: exit status %d\n%s\n%s", code, strings.Join(out, "\n"), c.stderrText())
	}
	return strings.Join(append(out, drain(c.stdout)...), "\n")
}

func TestOAuthLoginDeviceCheckHeadless(t *testing.T) {
	t.Parallel()
	e := startOAuthE2E(t)
	out := e.loginDevice(t)
	t.Logf("login output:\n%s", out)
	for _, want := range []string{
		fmt.Sprintf("To sign in to %[1]s (%[1]s) with your provider:", e.account),
		"  1. Open " + e.auth.URL + "/device/verify on any device",
		"Waiting for you to finish there… the code expires in 10m0s (Ctrl+C to cancel)",
		"Signed in. " + e.account + " will use this sign-in from now on; the refresh token is in the keyring (service idlebell-oauth2), not in any file.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("login output lacks %q", want)
		}
	}
	stored, err := keyring.Get(settings.KeyringTokenService, e.account)
	if err != nil || !contains(e.auth.Tokens(), stored) {
		t.Fatalf("keyring entry after login: %v (an issued token: %t)", err, contains(e.auth.Tokens(), stored))
	}

	// check: the mechanism and the token's lifetime; tokens redacted from the trace.
	c := startChild(t, e.dir, nil, "check", "--debug-imap", "--config", e.config)
	if code := c.wait(); code != 0 {
		t.Errorf("check: exit status %d\n%s", code, c.stderrText())
	}
	table := strings.Join(drain(c.stdout), "\n")
	t.Logf("check output:\n%s", table)
	if want := "  ok    login         as " + e.account + ", OAuth2 (OAUTHBEARER), access token valid for "; !strings.Contains(table, want) {
		t.Errorf("check table lacks %q", want)
	}
	checkTrace := c.stderrText()
	if !strings.Contains(checkTrace, "AUTHENTICATE ***") {
		t.Errorf("check --debug-imap trace lacks the redacted AUTHENTICATE:\n%s", checkTrace)
	}

	// headless: logs in with the token and announces new mail.
	h := startChild(t, e.dir, nil, "--headless", "--config", e.config, "--debug-imap", "--log-level", "debug")
	h.waitIdle(e.account)
	deliver(t, e.d, e.account, testsession.Message("boss@example.org", e.account+"@example.org", "oauth mail", "hello"))
	if m := h.nextMail(); m.Subject != "oauth mail" {
		t.Errorf("headless mail subject = %q, want %q", m.Subject, "oauth mail")
	}

	// Revoked at the provider: after a kick the account needs a new sign-in,
	// and stays there.
	e.auth.RevokeUser(e.account)
	if err := e.d.Kick(e.account); err != nil {
		t.Fatal(err)
	}
	h.waitStderr(1, "state=failed", "sign-in needed")
	refreshes := e.auth.Refreshes()
	if code, _ := h.stop(os.Interrupt); code != 0 {
		t.Errorf("headless exit status %d", code)
	}
	if got := e.auth.Refreshes(); got != refreshes {
		t.Errorf("refreshes after sign-in needed: %d -> %d, want no more", refreshes, got)
	}
	logs := out + "\n" + table + "\n" + checkTrace + "\n" + h.stderrText()
	assertNoTokens(t, e, logs)
}

func TestOAuthLoginBrowser(t *testing.T) {
	t.Parallel()
	e := startOAuthE2E(t)
	// The user's browser: a fake xdg-open hands the URL to this test, which
	// follows the redirects like a browser (consent is automatic).
	bin := t.TempDir()
	opened := make(chan string, 1)
	fifo := filepath.Join(bin, "opened")
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte("#!/bin/sh\nprintf '%s\\n' \"$1\" >> "+fifo+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := startChild(t, e.dir, []string{"PATH=" + bin + ":" + os.Getenv("PATH")}, "login", "--config", e.config, "--browser", e.account)
	var out []string
	for len(opened) == 0 {
		line := c.nextLine()
		out = append(out, line)
		if u, ok := strings.CutPrefix(line, "  "+e.auth.AuthURL()); ok {
			opened <- e.auth.AuthURL() + u
		}
	}
	u := <-opened
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "<h1>Signed in to idlebell</h1><p>idlebell can now check your mail. You can close this tab.</p>") {
		t.Errorf("browser page = %q", page)
	}
	if code := c.wait(); code != 0 {
		t.Fatalf("idlebell login --browser: exit status %d\n%s", code, c.stderrText())
	}
	all := strings.Join(append(out, drain(c.stdout)...), "\n")
	t.Logf("login output:\n%s", all)
	for _, want := range []string{
		fmt.Sprintf("To sign in to %[1]s (%[1]s) with your provider, open this page in a browser on this computer:", e.account),
		"Your browser should open it now.",
		"Waiting for the browser… (Ctrl+C to cancel)",
		"Signed in. ",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("login output lacks %q", want)
		}
	}
	if f, err := os.Open(fifo); err != nil {
		t.Errorf("xdg-open was not run: %v", err)
	} else {
		sc := bufio.NewScanner(f)
		if !sc.Scan() || sc.Text() != u {
			t.Errorf("xdg-open got %q, want the printed URL", sc.Text())
		}
		f.Close()
	}
	if _, err := keyring.Get(settings.KeyringTokenService, e.account); err != nil {
		t.Fatalf("no keyring entry after the browser sign-in: %v", err)
	}
	c = startChild(t, e.dir, nil, "check", "--config", e.config)
	if code := c.wait(); code != 0 {
		t.Errorf("check after browser sign-in: exit status %d\n%s", code, strings.Join(drain(c.stdout), "\n"))
	}
	assertNoTokens(t, e, all+"\n"+c.stderrText())
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// assertNoTokens greps logs and every file under the test's dir (config,
// state) for every token the server issued.
func assertNoTokens(t *testing.T, e *oauthE2E, logs string) {
	t.Helper()
	tokens := e.auth.Tokens()
	if len(tokens) == 0 {
		t.Fatal("the server issued no tokens")
	}
	files := 0
	filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		files++
		for _, tok := range tokens {
			if strings.Contains(string(b), tok) {
				t.Errorf("%s contains a token", path)
			}
		}
		return nil
	})
	for _, tok := range tokens {
		if strings.Contains(logs, tok) {
			t.Errorf("output or logs contain a token %.6s...", tok)
		}
	}
	t.Logf("%d tokens checked against %d files and %d bytes of output", len(tokens), files, len(logs))
}
