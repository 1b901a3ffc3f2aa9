package main

// End-to-end tests of the tray app against the `make test` desktop session
// (dunst, gnome-keyring, status-notifier-watcher on a private bus) and real
// Dovecot. The app runs as a child process: this test binary re-executed
// with IDLEBELL_E2E_CHILD=1 (see TestMain), because Fyne wants the main
// thread and fyne's systray keeps process-global state.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"idlebell/internal/testsession"
	"idlebell/settings"
)

// trayChildEnv makes the test binary run the app (see TestMain in main_test.go).
const trayChildEnv = "IDLEBELL_E2E_CHILD"

// trayTimeout bounds every wait; the race detector makes the app slow.
const trayTimeout = 30 * time.Second

func trayToken() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// appProc is the app under test.
type appProc struct {
	cmd  *exec.Cmd
	pid  int
	log  string
	done chan struct{}
	err  error // cmd.Wait's, after done
}

// trayAccount is a fresh Dovecot user and the config file that watches it.
type trayAccount struct {
	name, user string
	dir        string // temp home: config, state, cache, scripts
	opened     string // the open_command script's record
	cfgPath    string
}

// newAccount writes a config for a fresh Dovecot user over TLS, with an open
// command that records its calls. The password goes into the keyring unless
// mutate sets password_command.
func newTrayAccount(t *testing.T, env *testsession.Env, password string, mutate func(*settings.Config)) *trayAccount {
	t.Helper()
	tok := trayToken()
	a := &trayAccount{name: "E2E " + tok, user: "e2e" + tok, dir: t.TempDir()}
	a.opened = filepath.Join(a.dir, "opened")
	script := filepath.Join(a.dir, "open-mail.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho opened >> '"+a.opened+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(env.Dovecot.TLSAddr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	acct := settings.NewAccount(a.name)
	acct.Host, acct.Port, acct.Security = host, p, settings.SecurityTLS
	acct.Username = a.user
	acct.TLSCAFile = env.Dovecot.CAFile
	cfg := settings.Default()
	cfg.Notifications.OpenCommand = script
	cfg.Accounts = []settings.Account{acct}
	if mutate != nil {
		mutate(cfg)
	}
	a.cfgPath = filepath.Join(a.dir, "config", "idlebell", "config.toml")
	if err := settings.Save(a.cfgPath, cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Accounts[0].PasswordCommand == "" {
		if err := keyring.Set(settings.KeyringService, a.name, password); err != nil {
			t.Fatalf("keyring.Set: %v", err)
		}
		t.Cleanup(func() { _ = keyring.Delete(settings.KeyringService, a.name) })
	}
	return a
}

// startApp runs the app with args in the desktop session d, with its XDG
// dirs under dir. It is stopped (SIGTERM) at the end of the test.
func startTrayApp(t *testing.T, d *testsession.Desktop, dir string, args ...string) *appProc {
	t.Helper()
	return startTrayAppEnv(t, d, dir, nil, args...)
}

// startTrayAppEnv is startTrayApp with env added to the app's environment.
func startTrayAppEnv(t *testing.T, d *testsession.Desktop, dir string, env []string, args ...string) *appProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &appProc{log: filepath.Join(dir, "app.log"), done: make(chan struct{})}
	logf, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	p.cmd = exec.Command(exe, append([]string{"--log-level", "debug"}, args...)...)
	p.cmd.Env = append(os.Environ(), d.Env()...)
	p.cmd.Env = append(p.cmd.Env,
		trayChildEnv+"=1",
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"),
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
	)
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.pid = p.cmd.Process.Pid
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			// SIGQUIT makes the Go runtime write every goroutine's stack
			// to the log: what the app was stuck on.
			_ = p.cmd.Process.Signal(syscall.SIGQUIT)
			select {
			case <-p.done:
			case <-time.After(5 * time.Second):
				_ = p.cmd.Process.Kill()
				<-p.done
			}
			t.Errorf("app ignored SIGTERM for 15 s; goroutine dump in the log")
		}
		if b, _ := os.ReadFile(p.log); bytes.Contains(b, []byte("WARNING: DATA RACE")) {
			t.Errorf("the app hit a data race (see its log)")
		}
		if t.Failed() {
			b, _ := os.ReadFile(p.log)
			if len(b) > 60000 {
				b = b[len(b)-60000:]
			}
			t.Logf("app log:\n%s", b)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), trayTimeout)
	defer cancel()
	if err := testsession.WaitTray(ctx, d.BusAddress, p.pid); err != nil {
		t.Fatalf("tray never appeared: %v", err)
	}
	return p
}

// waitMenu polls the tray menu until ok accepts it (the menu is D-Bus
// state, there is no signal a test can wait on more precisely).
func waitMenu(t *testing.T, d *testsession.Desktop, pid int, what string, ok func([]testsession.MenuItem) bool) []testsession.MenuItem {
	t.Helper()
	deadline := time.Now().Add(trayTimeout)
	delay := 10 * time.Millisecond
	var last []testsession.MenuItem
	var lastErr error
	for time.Now().Before(deadline) {
		items, err := testsession.TrayMenu(d.BusAddress, pid)
		if err == nil {
			last = items
			if ok(items) {
				return items
			}
		}
		lastErr = err
		timer := time.NewTimer(delay)
		<-timer.C
		delay = min(delay*2, 250*time.Millisecond)
	}
	t.Fatalf("tray menu never showed %s; last menu %s (err %v)", what, menuLabels(last), lastErr)
	return nil
}

func menuLabels(items []testsession.MenuItem) string {
	var out []string
	var walk func([]testsession.MenuItem, string)
	walk = func(items []testsession.MenuItem, indent string) {
		for _, it := range items {
			out = append(out, indent+strconv.Quote(it.Label))
			walk(it.Children, indent+"  ")
		}
	}
	walk(items, "")
	return "[" + strings.Join(out, " ") + "]"
}

// hasLine reports whether the menu has an item starting with prefix and
// containing want.
func hasLine(prefix, want string) func([]testsession.MenuItem) bool {
	return func(items []testsession.MenuItem) bool {
		it, ok := testsession.FindMenuItem(items, prefix)
		return ok && strings.Contains(it.Label, want)
	}
}

// nextNotify returns the first idlebell Notify call that match accepts;
// every idlebell call before it goes to skipped (if not nil).
func nextNotify(t *testing.T, ch <-chan testsession.Notification, what string, match func(testsession.Notification) bool, skipped *[]testsession.Notification) testsession.Notification {
	t.Helper()
	timer := time.NewTimer(trayTimeout)
	defer timer.Stop()
	for {
		select {
		case n, ok := <-ch:
			if !ok {
				t.Fatalf("notification monitor ended before %s", what)
			}
			if n.AppName != "idlebell" {
				continue
			}
			if match(n) {
				return n
			}
			if skipped != nil {
				*skipped = append(*skipped, n)
			}
		case <-timer.C:
			t.Fatalf("no notification %s within %v", what, trayTimeout)
		}
	}
}

func watchNotifications(t *testing.T, d *testsession.Desktop) <-chan testsession.Notification {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := testsession.WatchNotify(ctx, d.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func waitExit0(t *testing.T, p *appProc, what string) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(trayTimeout):
		t.Fatalf("app still running %v after %s", trayTimeout, what)
	}
	if p.err != nil {
		t.Fatalf("app exited with %v after %s, want status 0", p.err, what)
	}
}

// waitFile waits until path exists and is not empty.
func waitNonEmpty(t *testing.T, path, what string) {
	t.Helper()
	deadline := time.Now().Add(trayTimeout)
	delay := 10 * time.Millisecond
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return
		}
		<-time.After(delay)
		delay = min(delay*2, 250*time.Millisecond)
	}
	t.Fatalf("%s: %s never appeared", what, path)
}

// waitNonEmptyMatch waits until the file at path holds want.
func waitNonEmptyMatch(t *testing.T, path, want, what string) {
	t.Helper()
	deadline := time.Now().Add(trayTimeout)
	delay := 10 * time.Millisecond
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(want)) {
			return
		}
		<-time.After(delay)
		delay = min(delay*2, 250*time.Millisecond)
	}
	t.Fatalf("%s: %s never said %q", what, path, want)
}

// iconPixels reads the tray icon's largest pixmap.
func iconPixels(t *testing.T, d *testsession.Desktop, pid int) []byte {
	t.Helper()
	w, h, argb, err := testsession.TrayIcon(d.BusAddress, pid)
	if err != nil {
		t.Fatal(err)
	}
	if w < 16 || h < 16 || len(argb) != int(w*h*4) {
		t.Fatalf("TrayIcon = %dx%d with %d bytes, want a square icon of at least 16 px", w, h, len(argb))
	}
	return argb
}

func dunstctl(t *testing.T, d *testsession.Desktop, args ...string) {
	t.Helper()
	cmd := exec.Command("dunstctl", args...)
	cmd.Env = append(os.Environ(), d.Env()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dunstctl %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func actionKeys(n testsession.Notification) []string {
	var keys []string
	for i := 0; i+1 < len(n.Actions); i += 2 {
		keys = append(keys, n.Actions[i])
	}
	return keys
}

// TestE2EMailBubbleTrayAndOpen: a delivered mail makes one bubble with
// sender, subject and actions; the tray shows the account and the count,
// the icon changes; a click on the bubble runs open_command.
func TestE2EMailBubbleTrayAndOpen(t *testing.T) {
	env := testsession.FromEnv(t)
	d := testsession.DesktopFromEnv(t)
	a := newTrayAccount(t, env, env.Dovecot.Password(), nil)
	notes := watchNotifications(t, d)
	p := startTrayApp(t, d, a.dir)

	// (b) the account line says connected; Quit is there.
	items := waitMenu(t, d, p.pid, "the account connected", hasLine(a.name+" —", "connected"))
	if _, ok := testsession.FindMenuItem(items, "Quit"); !ok {
		t.Errorf("tray menu %s has no Quit", menuLabels(items))
	}
	for _, want := range []string{"Open mail client", "Check now", "Pause notifications", "Settings…", "About idlebell"} {
		if _, ok := testsession.FindMenuItem(items, want); !ok {
			t.Errorf("tray menu %s has no %q", menuLabels(items), want)
		}
	}
	icon0 := iconPixels(t, d, p.pid)

	// (a) one bubble per mail: sender as title, subject in the body, actions.
	tok := trayToken()
	subject := "Hello " + tok
	if err := env.Dovecot.Deliver(a.user, testsession.Message("Alice Tester <alice@example.org>", a.user+"@localhost", subject, "Preview line "+tok)); err != nil {
		t.Fatal(err)
	}
	n := nextNotify(t, notes, "for the delivered mail", func(n testsession.Notification) bool {
		return strings.Contains(n.Body, subject)
	}, nil)
	if n.Summary != "Alice Tester" {
		t.Errorf("Notify summary = %q, want the sender's name %q", n.Summary, "Alice Tester")
	}
	if !strings.Contains(n.Body, "Preview line "+tok) {
		t.Errorf("Notify body = %q, want the preview line too", n.Body)
	}
	if keys := actionKeys(n); !slices.Contains(keys, "default") || !slices.Contains(keys, "mark-read") {
		t.Errorf("Notify actions = %q, want default and mark-read", n.Actions)
	}
	if n.Icon == "" {
		t.Errorf("Notify app_icon is empty, want the bell")
	}

	// (g) the count reaches the menu and the icon.
	waitMenu(t, d, p.pid, "1 unread", hasLine(a.name+" —", "1 unread"))
	// The icon is read once the log says it is set: reading the property
	// while the app replaces it is a data race inside godbus's prop package.
	waitNonEmptyMatch(t, p.log, "msg=\"tray icon\" icon=bell-1\n", "the icon with 1 unread")
	if px := iconPixels(t, d, p.pid); bytes.Equal(px, icon0) {
		t.Errorf("the icon did not change from 0 to 1 unread")
	}

	// (c) a click on the bubble (dunst's default action) runs open_command.
	// Only this bubble may be on screen for "action 0" to mean it.
	dunstctl(t, d, "close-all")
	tok2 := trayToken()
	if err := env.Dovecot.Deliver(a.user, testsession.Message("Bob <bob@example.org>", a.user+"@localhost", "Click me "+tok2, "x")); err != nil {
		t.Fatal(err)
	}
	nextNotify(t, notes, "for the mail to click", func(n testsession.Notification) bool {
		return strings.Contains(n.Body, "Click me "+tok2)
	}, nil)
	dunstctl(t, d, "action", "0")
	waitNonEmpty(t, a.opened, "open_command after a click on the bubble")
}

// TestE2EBurstPauseQuit: ten mails at once make max_bubbles bubbles and one
// summary updated in place; while paused nothing is shown, resuming shows
// one digest; Quit from the tray menu ends the app with status 0.
func TestE2EBurstPauseQuit(t *testing.T) {
	env := testsession.FromEnv(t)
	d := testsession.DesktopFromEnv(t)
	a := newTrayAccount(t, env, env.Dovecot.Password(), nil)
	notes := watchNotifications(t, d)
	p := startTrayApp(t, d, a.dir)
	waitMenu(t, d, p.pid, "the account connected", hasLine(a.name+" —", "connected"))

	// (e) a burst.
	tok := trayToken()
	for i := range 10 {
		msg := testsession.Message(fmt.Sprintf("Burst%d %s <b%d@example.org>", i, tok, i), a.user+"@localhost", fmt.Sprintf("Burst %d %s", i, tok), "x")
		if err := env.Dovecot.Deliver(a.user, msg); err != nil {
			t.Fatal(err)
		}
	}
	var before []testsession.Notification
	summaryTitle := func(k int) string { return fmt.Sprintf("%d new messages in %s", k, a.name) }
	nextNotify(t, notes, "summarising all 10", func(n testsession.Notification) bool {
		return n.Summary == summaryTitle(10)
	}, &before)
	var singles, summaries []testsession.Notification
	for _, n := range before {
		switch {
		case strings.HasPrefix(n.Summary, "Burst"):
			singles = append(singles, n)
		case strings.HasSuffix(n.Summary, " in "+a.name):
			summaries = append(summaries, n)
		default:
			t.Errorf("unexpected notification during the burst: %q %q", n.Summary, n.Body)
		}
	}
	if len(singles) != 3 {
		t.Errorf("burst of 10 made %d single bubbles, want max_bubbles = 3", len(singles))
	}
	if len(summaries) == 0 || summaries[0].ReplacesID != 0 {
		t.Fatalf("summaries before the last = %+v, want a first one with replaces_id 0", summaries)
	}
	// Every later summary (and the last, seen by nextNotify) replaces one id.
	// The monitor cannot see the id dunst returned, so: all the same, not 0.
	var ids []uint32
	for _, n := range summaries[1:] {
		ids = append(ids, n.ReplacesID)
	}
	ids = slices.Compact(ids)
	if len(ids) > 1 || (len(ids) == 1 && ids[0] == 0) {
		t.Errorf("summary updates have replaces_id %v, want one non-zero id (updated in place)", ids)
	}
	waitMenu(t, d, p.pid, "10 unread", hasLine(a.name+" —", "10 unread"))

	// (f) pause; a mail while paused makes no bubble; resume shows a digest.
	if err := testsession.ClickMenu(d.BusAddress, p.pid, "For 1 hour"); err != nil {
		t.Fatal(err)
	}
	waitMenu(t, d, p.pid, "paused", hasLine("Notifications paused", "until"))
	ptok := trayToken()
	if err := env.Dovecot.Deliver(a.user, testsession.Message("Paused Sender <p@example.org>", a.user+"@localhost", "While paused "+ptok, "x")); err != nil {
		t.Fatal(err)
	}
	// Unseen follows the mail's events, so once the tray counts it the
	// app has handled the mail itself.
	waitMenu(t, d, p.pid, "11 unread", hasLine(a.name+" —", "11 unread"))
	if err := testsession.ClickMenu(d.BusAddress, p.pid, "Resume"); err != nil {
		t.Fatal(err)
	}
	// One mail held: after resume it gets its own bubble, subject included.
	var during []testsession.Notification
	digest := nextNotify(t, notes, "the held mail after resume", func(n testsession.Notification) bool {
		return n.Summary == "Paused Sender"
	}, &during)
	for _, n := range during {
		t.Errorf("notification while paused: %q %q", n.Summary, n.Body)
	}
	if !strings.Contains(digest.Body, "While paused "+ptok) {
		t.Errorf("bubble after resume = %q %q, want the held mail's subject", digest.Summary, digest.Body)
	}
	// Exactly one bubble for it: the next bubble is about the next mail.
	atok := trayToken()
	if err := env.Dovecot.Deliver(a.user, testsession.Message("After Resume <r@example.org>", a.user+"@localhost", "After "+atok, "x")); err != nil {
		t.Fatal(err)
	}
	var between []testsession.Notification
	nextNotify(t, notes, "for the mail after resuming", func(n testsession.Notification) bool {
		// A bubble of its own, or the burst's summary updated (the burst
		// was less than a minute ago).
		return strings.Contains(n.Body, "After "+atok) || n.Summary == summaryTitle(11)
	}, &between)
	for _, n := range between {
		t.Errorf("unexpected notification after the digest: %q %q", n.Summary, n.Body)
	}

	// (i) Quit from the menu.
	if err := testsession.ClickMenu(d.BusAddress, p.pid, "Quit"); err != nil {
		t.Fatal(err)
	}
	waitExit0(t, p, "Quit")
}

// TestE2EWrongPassword: the menu line says why, in words; SIGTERM ends the
// app with status 0.
func TestE2EWrongPassword(t *testing.T) {
	env := testsession.FromEnv(t)
	d := testsession.DesktopFromEnv(t)
	a := newTrayAccount(t, env, "not-"+env.Dovecot.Password(), nil)
	p := startTrayApp(t, d, a.dir)
	waitMenu(t, d, p.pid, "the login failure", hasLine(a.name+" —", "login failed: check the password"))
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitExit0(t, p, "SIGTERM")
}

// TestE2EDemo: --demo needs no config and shows a bubble.
func TestE2EDemo(t *testing.T) {
	d := testsession.DesktopFromEnv(t)
	dir := t.TempDir()
	notes := watchNotifications(t, d)
	p := startTrayApp(t, d, dir, "--demo", "--demo-interval", "2s")
	n := nextNotify(t, notes, "from the demo", func(n testsession.Notification) bool {
		return strings.Contains(n.Summary, "Jürgen Müller") || strings.Contains(n.Summary, "new messages in Demo")
	}, nil)
	if !strings.Contains(n.Body, "Grüße aus München") {
		t.Errorf("demo bubble body = %q, want the first demo subject", n.Body)
	}
	waitMenu(t, d, p.pid, "the demo account", hasLine("Demo —", "connected"))
}

// TestE2EMarkAsRead: the bubble's "Mark as read" button sets \Seen on that
// message on the server. dunst invokes a named action only through its
// context menu, which runs the `dmenu` of its config; the shared session's
// dunst has the stock config, so this test starts a private desktop session
// whose dunst runs a script that picks "Mark as read".
func TestE2EMarkAsRead(t *testing.T) {
	env := testsession.FromEnv(t)
	testsession.DesktopFromEnv(t)         // only where the desktop session runs
	dir, err := os.MkdirTemp("", "ibmr-") // short: the bus socket path must fit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	picked := filepath.Join(dir, "dmenu.in")
	script := filepath.Join(dir, "dmenu.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat > '"+picked+"'\ngrep -F ',mark-read]' '"+picked+"' | head -n 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	deskDir := filepath.Join(dir, "d")
	rc := filepath.Join(deskDir, "home", ".config", "dunst", "dunstrc")
	if err := os.MkdirAll(filepath.Dir(rc), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rc, []byte("[global]\n    dmenu = \""+script+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := testsession.StartDesktop(deskDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Error(err)
		}
	})

	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(env.Dovecot.Password()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newTrayAccount(t, env, "", func(c *settings.Config) { c.Accounts[0].PasswordCommand = "cat " + pwFile })
	notes := watchNotifications(t, d)
	p := startTrayApp(t, d, a.dir)
	waitMenu(t, d, p.pid, "the account connected", hasLine(a.name+" —", "connected"))

	tok := trayToken()
	subject := "Read me " + tok
	if err := env.Dovecot.Deliver(a.user, testsession.Message("Carol <carol@example.org>", a.user+"@localhost", subject, "x")); err != nil {
		t.Fatal(err)
	}
	nextNotify(t, notes, "for the mail to mark", func(n testsession.Notification) bool {
		return strings.Contains(n.Body, subject)
	}, nil)
	if flags := dovecotFlags(t, env.Dovecot, a.user, subject); strings.Contains(flags, `\Seen`) {
		t.Fatalf("new mail already has flags %q", flags)
	}
	dunstctl(t, d, "context")
	deadline := time.Now().Add(trayTimeout)
	delay := 20 * time.Millisecond
	for {
		flags := dovecotFlags(t, env.Dovecot, a.user, subject)
		if strings.Contains(flags, `\Seen`) {
			break
		}
		if time.Now().After(deadline) {
			in, _ := os.ReadFile(picked)
			t.Fatalf("after Mark as read the message has flags %q, want \\Seen (dunst offered %q)", flags, in)
		}
		<-time.After(delay)
		delay = min(delay*2, 250*time.Millisecond)
	}
	waitMenu(t, d, p.pid, "0 unread after Mark as read", hasLine(a.name+" —", "0 unread"))
}

// dovecotFlags is the flags of user's INBOX message with that subject.
func dovecotFlags(t *testing.T, d *testsession.Dovecot, user, subject string) string {
	t.Helper()
	out, err := exec.Command("doveadm", "-c", d.Conf, "fetch", "-u", user, "flags", "mailbox", "INBOX", "subject", subject).CombinedOutput()
	if err != nil {
		t.Fatalf("doveadm fetch flags: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}
