//go:build !nogui

package main

// End-to-end tests of the tray process: no GL in it, Settings… starts the
// settings process, a click opens the mail, an unreachable server turns the
// icon to attention without churning the menu. See e2e_test.go for the
// harness.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"idlebell/internal/testsession"
	"idlebell/settings"
)

// mesaLibs are what a GL context loads; the tray process must have none.
var mesaLibs = []string{"_dri.so", "libgallium", "swrast", "libGLX_mesa"}

func mappedMesa(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatalf("read maps of pid %d: %v", pid, err)
	}
	var found []string
	for _, lib := range mesaLibs {
		if bytes.Contains(b, []byte(lib)) {
			found = append(found, lib)
		}
	}
	return found
}

// settingsChildren lists the PIDs of the settings processes pid started.
func settingsChildren(t *testing.T, pid int) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range ents {
		cpid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ")".
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(pid) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if bytes.Contains(cmdline, []byte("\x00settings\x00")) {
			out = append(out, cpid)
		}
	}
	return out
}

// poll calls ok until it holds, at most trayTimeout.
func poll(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(trayTimeout)
	delay := 10 * time.Millisecond
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-time.After(delay)
		delay = min(delay*2, 250*time.Millisecond)
	}
}

// TestE2ETrayWithoutGLAndSettingsProcess: the tray process maps no Mesa
// driver (no GL context, no render loop); Settings… through dbusmenu starts
// the settings process, which opens a window (its GL context maps Mesa); a
// second click starts no second one; a change saved to the config reaches
// the running watcher; Quit ends the settings process too.
func TestE2ETrayWithoutGLAndSettingsProcess(t *testing.T) {
	env := testsession.FromEnv(t)
	d := testsession.DesktopFromEnv(t)
	a := newTrayAccount(t, env, env.Dovecot.Password(), nil)
	p := startTrayApp(t, d, a.dir)
	waitMenu(t, d, p.pid, "the account connected", hasLine(a.name+" —", "connected"))
	if libs := mappedMesa(t, p.pid); len(libs) > 0 {
		t.Errorf("the tray process maps %q: it holds a GL context", libs)
	}

	if err := testsession.ClickMenu(d.BusAddress, p.pid, "Settings…"); err != nil {
		t.Fatal(err)
	}
	var child int
	poll(t, "the settings process", func() bool {
		if c := settingsChildren(t, p.pid); len(c) == 1 {
			child = c[0]
			return true
		}
		return false
	})
	poll(t, "the settings window's GL context", func() bool { return len(mappedMesa(t, child)) > 0 })
	if err := testsession.ClickMenu(d.BusAddress, p.pid, "Settings…"); err != nil {
		t.Fatal(err)
	}
	// The second click is a line on the open one's stdin: its log says it
	// raised its window. Then there is still one settings process.
	waitNonEmptyMatch(t, p.log, `msg="window raised" process=settings cmd=show-settings`, "the open settings window raised")
	if c := settingsChildren(t, p.pid); len(c) != 1 || c[0] != child {
		t.Errorf("after a second Settings… click the settings processes are %v, want only %d", c, child)
	}
	if libs := mappedMesa(t, p.pid); len(libs) > 0 {
		t.Errorf("the tray process maps %q after opening Settings", libs)
	}

	// What the window's Save does: the file changes, the tray shows it.
	cfg, err := settings.Load(a.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	other := settings.NewAccount("Added " + trayToken())
	other.Host, other.Username, other.Enabled = "127.0.0.1", "u", false
	cfg.Accounts = append(cfg.Accounts, other)
	if err := settings.Save(a.cfgPath, cfg); err != nil {
		t.Fatal(err)
	}
	waitMenu(t, d, p.pid, "the saved account", hasLine(other.Name+" —", "disabled"))

	if err := testsession.ClickMenu(d.BusAddress, p.pid, "Quit"); err != nil {
		t.Fatal(err)
	}
	waitExit0(t, p, "Quit")
	poll(t, "the settings process to end with the tray", func() bool {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child))
		i := bytes.LastIndexByte(stat, ')')
		return err != nil || i < 0 || strings.HasPrefix(string(stat[i+1:]), " Z") // gone, or a zombie
	})
}

// TestE2EClickOpensTheMail: with no open_command a click on a bubble opens
// that message in the desktop's default mail program — a fake thunderbird
// on PATH records mid:<Message-ID>. Without a mail program a bubble says
// so. With two accounts every bubble names its account.
func TestE2EClickOpensTheMail(t *testing.T) {
	env := testsession.FromEnv(t)
	d := testsession.DesktopFromEnv(t)
	a := newTrayAccount(t, env, env.Dovecot.Password(), func(c *settings.Config) {
		c.Notifications.OpenCommand = ""
		second := settings.NewAccount("Second")
		second.Host, second.Username, second.Enabled = "127.0.0.1", "u", false
		c.Accounts = append(c.Accounts, second)
	})
	bin := filepath.Join(a.dir, "bin")
	data := filepath.Join(a.dir, "data")
	args := filepath.Join(a.dir, "thunderbird.args")
	for _, dir := range []string{bin, filepath.Join(data, "applications"), filepath.Join(a.dir, "nodata")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "thunderbird"), []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" >> '"+args+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notes := watchNotifications(t, d)
	p := startTrayAppEnv(t, d, a.dir, []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"XDG_DATA_HOME=" + data,
		"XDG_DATA_DIRS=" + filepath.Join(a.dir, "nodata"),
		"XDG_CURRENT_DESKTOP=", "DE=",
	})
	waitMenu(t, d, p.pid, "the account connected", hasLine(a.name+" —", "connected"))

	deliver := func(subject string) (msgID string) {
		t.Helper()
		msgID = trayToken() + "." + trayToken() + "@idlebell.test"
		msg := fmt.Sprintf("From: Alice <alice@example.org>\r\nTo: %s@localhost\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n\r\nbody\r\n",
			a.user, subject, msgID, time.Now().Format(time.RFC1123Z))
		dunstctl(t, d, "close-all")
		if err := env.Dovecot.Deliver(a.user, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		n := nextNotify(t, notes, "for "+subject, func(n testsession.Notification) bool { return strings.Contains(n.Body, subject) }, nil)
		if !strings.HasPrefix(n.Body, a.name+" · ") {
			t.Errorf("bubble body = %q, want the account's name first (two accounts)", n.Body)
		}
		if c, _ := n.Hints["category"].Value().(string); c != "email.arrived" {
			t.Errorf("bubble category hint = %q, want email.arrived", c)
		}
		if s, _ := n.Hints["sound-name"].Value().(string); s != "message-new-email" {
			t.Errorf("bubble sound-name hint = %q, want message-new-email", s)
		}
		return msgID
	}

	// No mail program: the click says so.
	deliver("No handler " + trayToken())
	dunstctl(t, d, "action", "0")
	nextNotify(t, notes, "saying no mail program was found", func(n testsession.Notification) bool {
		return n.Summary == "No mail program found"
	}, nil)

	// Thunderbird as the default: the click opens that message.
	mimeapps := "[Default Applications]\nx-scheme-handler/mailto=thunderbird.desktop\n"
	if err := os.WriteFile(filepath.Join(a.dir, "config", "mimeapps.list"), []byte(mimeapps), 0o644); err != nil {
		t.Fatal(err)
	}
	entry := "[Desktop Entry]\nType=Application\nName=Thunderbird\nExec=thunderbird %u\nMimeType=x-scheme-handler/mailto;\n"
	if err := os.WriteFile(filepath.Join(data, "applications", "thunderbird.desktop"), []byte(entry), 0o644); err != nil {
		t.Fatal(err)
	}
	id := deliver("Open me " + trayToken())
	dunstctl(t, d, "action", "0")
	waitNonEmpty(t, args, "thunderbird started by the click")
	b, _ := os.ReadFile(args)
	if got := strings.TrimSpace(string(b)); got != "mid:"+id {
		t.Errorf("thunderbird got %q, want %q", got, "mid:"+id)
	}
}

// TestE2EUnreachableServerAttention: a stopped server turns the icon to
// attention after the (here shortened) threshold, with the unread count
// still on it; the menu line says since when it retries to reach the server,
// and the menu's layout does not change while the reconnects wait.
func TestE2EUnreachableServerAttention(t *testing.T) {
	testsession.FromEnv(t)
	d := testsession.DesktopFromEnv(t)
	dir, err := os.MkdirTemp("", "ibat-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	dc, err := testsession.StartDovecot(filepath.Join(dir, "dovecot"), testsession.DovecotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dc.Stop() })
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(dc.Password()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newTrayAccount(t, &testsession.Env{Dovecot: dc}, "", func(c *settings.Config) { c.Accounts[0].PasswordCommand = "cat " + pwFile })
	p := startTrayAppEnv(t, d, a.dir, []string{"IDLEBELL_E2E_ATTENTION_AFTER=3s"})
	waitMenu(t, d, p.pid, "the account connected", hasLine(a.name+" —", "connected"))
	if err := dc.Deliver(a.user, testsession.Message("Alice <a@example.org>", a.user+"@localhost", "Unread", "x")); err != nil {
		t.Fatal(err)
	}
	waitMenu(t, d, p.pid, "1 unread", hasLine(a.name+" —", "1 unread"))

	if err := dc.Stop(); err != nil {
		t.Fatal(err)
	}
	waitMenu(t, d, p.pid, "the server unreachable", hasLine(a.name+" —", "1 unread · "+dc.TLSAddr+" refused the connection, retrying since "))
	rev, err := testsession.TrayMenuRevision(d.BusAddress, p.pid)
	if err != nil {
		t.Fatal(err)
	}
	lost := func() int {
		b, _ := os.ReadFile(p.log)
		return bytes.Count(b, []byte("msg=\"connection lost\""))
	}
	n := lost()
	poll(t, "two more reconnect attempts", func() bool { return lost() >= n+2 })
	if now, err := testsession.TrayMenuRevision(d.BusAddress, p.pid); err != nil || now != rev {
		t.Errorf("menu layout revision %d → %d (%v) while the reconnects waited, want no change", rev, now, err)
	}
	// Attention: an amber disc at the bottom left, the red count badge at
	// the top right still there. The icon is read once it is set (the log
	// says so): a property read while the app replaces it is a data race
	// inside godbus's prop package.
	poll(t, "the attention icon", func() bool {
		b, _ := os.ReadFile(p.log)
		return bytes.Contains(b, []byte("msg=\"tray icon\" icon=bell-1-attention"))
	})
	px := iconPixels(t, d, p.pid)
	at := func(x, y int) (r, g, b byte) { i := (y*64 + x) * 4; return px[i+1], px[i+2], px[i+3] }
	ar, ag, ab := at(6, 47)
	rr, rg, rb := at(56, 12)
	if !(ar > 0xe0 && ag > 0x80 && ag < 0xc0 && ab < 0x40) || !(rr > 0xc0 && rg < 0x60 && rb < 0x60) {
		t.Errorf("icon pixels: attention disc %02x%02x%02x, count badge %02x%02x%02x; want amber and red", ar, ag, ab, rr, rg, rb)
	}
	if tip, err := testsession.TrayTooltip(d.BusAddress, p.pid); err != nil || !strings.Contains(tip, "refused the connection") {
		t.Errorf("tooltip = %q (%v), want the unreachable account", tip, err)
	}
}

// TestE2EReadElsewhereClosesBubble: a mail marked \Seen by another client
// (here doveadm, a second session on the mailbox) is reported during IDLE,
// and idlebell withdraws its bubble: the daemon says NotificationClosed with
// reason 3 (closed by CloseNotification).
func TestE2EReadElsewhereClosesBubble(t *testing.T) {
	env := testsession.FromEnv(t)
	d := testsession.DesktopFromEnv(t)
	a := newTrayAccount(t, env, env.Dovecot.Password(), nil)
	notes := watchNotifications(t, d)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	closed, err := testsession.WatchClosed(ctx, d.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	p := startTrayApp(t, d, a.dir)
	waitMenu(t, d, p.pid, "the account connected", hasLine(a.name+" —", "connected"))
	dunstctl(t, d, "close-all")
	subject := "Read elsewhere " + trayToken()
	if err := env.Dovecot.Deliver(a.user, testsession.Message("Dora <dora@example.org>", a.user+"@localhost", subject, "x")); err != nil {
		t.Fatal(err)
	}
	nextNotify(t, notes, "for the mail", func(n testsession.Notification) bool { return strings.Contains(n.Body, subject) }, nil)
	// Anything closed so far (close-all) is not what this test waits for.
	for drained := false; !drained; {
		select {
		case <-closed:
		default:
			drained = true
		}
	}
	if out, err := exec.Command("doveadm", "-c", env.Dovecot.Conf, "flags", "add", "-u", a.user, `\Seen`, "mailbox", "INBOX", "subject", subject).CombinedOutput(); err != nil {
		t.Fatalf("doveadm flags add: %v: %s", err, out)
	}
	timer := time.NewTimer(trayTimeout)
	defer timer.Stop()
	for {
		select {
		case c := <-closed:
			if c.Reason == 3 {
				return
			}
			t.Logf("NotificationClosed(%d, reason %d): not the withdrawal", c.ID, c.Reason)
		case <-timer.C:
			t.Fatalf("no NotificationClosed with reason 3 within %v after \\Seen was set elsewhere", trayTimeout)
		}
	}
}

// TestE2EMenuShowsUnderscores: an account named "my_mail" reads so in the
// tray menu. dbusmenu takes a lone "_" in a label for an access key and
// shows it not at all ("mymail"); "__" is how a label says "_".
func TestE2EMenuShowsUnderscores(t *testing.T) {
	env := testsession.FromEnv(t)
	d := testsession.DesktopFromEnv(t)
	name := "my_mail_" + trayToken()
	a := newTrayAccount(t, env, "", func(c *settings.Config) {
		c.Accounts[0].Name = name
		c.Accounts[0].PasswordCommand = "echo not-the-password"
	})
	p := startTrayApp(t, d, a.dir)
	waitMenu(t, d, p.pid, "the account's line with its underscores doubled",
		hasLine(strings.ReplaceAll(name, "_", "__")+" —", "login failed"))
}

// TestE2ESettingsOpenOnlyOnFirstStart: the first start, without a config
// file, opens the settings window; a start with a config saved without
// accounts (as at every login after autostart) opens nothing, and the menu
// offers Add account…, which opens the settings window with its Add dialog.
func TestE2ESettingsOpenOnlyOnFirstStart(t *testing.T) {
	testsession.FromEnv(t)
	d := testsession.DesktopFromEnv(t)
	addAccount := hasLine("Add account…", "Add account…")

	// The settings process starts before the menu is on the bus: when the
	// menu shows, it runs or it never will.
	first := startTrayApp(t, d, t.TempDir())
	waitMenu(t, d, first.pid, "Add account…", addAccount)
	c := settingsChildren(t, first.pid)
	if len(c) != 1 {
		t.Errorf("first start without a config file: settings processes %v, want one", c)
	}
	quitWithSettings(t, first, c)

	dir := t.TempDir()
	if err := settings.Save(filepath.Join(dir, "config", "idlebell", "config.toml"), settings.Default()); err != nil {
		t.Fatal(err)
	}
	p := startTrayApp(t, d, dir)
	waitMenu(t, d, p.pid, "Add account…", addAccount)
	if c := settingsChildren(t, p.pid); len(c) != 0 {
		t.Errorf("start with a config without accounts: settings processes %v, want none", c)
		quitWithSettings(t, p, c)
		return
	}
	if err := testsession.ClickMenu(d.BusAddress, p.pid, "Add account…"); err != nil {
		t.Fatal(err)
	}
	poll(t, "a settings process with its Add dialog", func() bool {
		c = settingsChildren(t, p.pid)
		if len(c) != 1 {
			return false
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", c[0]))
		return bytes.Contains(cmdline, []byte("\x00--add"))
	})
	quitWithSettings(t, p, c)
}

// quitWithSettings stops the tray app (SIGTERM, as a session ending does)
// and waits until its settings processes have ended too (they write to the
// config folder until then).
func quitWithSettings(t *testing.T, p *appProc, children []int) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitExit0(t, p, "SIGTERM")
	for _, child := range children {
		poll(t, "the settings process to end with the tray", func() bool {
			stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child))
			i := bytes.LastIndexByte(stat, ')')
			return err != nil || i < 0 || strings.HasPrefix(string(stat[i+1:]), " Z") // gone, or a zombie
		})
	}
}
