package main

// End-to-end tests of `idlebell --headless` and `idlebell check`: the app
// runs as a child process (this test binary re-executed by TestMain with
// IDLEBELL_E2E_CHILD=1, the built binary's code path) against the Dovecot of
// `make test`. Each test writes its own config and uses its own IMAP user and
// XDG dirs, so no real config, state or keyring is touched.

import (
	"bufio"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"idlebell/headless"
	"idlebell/imapwatch"
	"idlebell/internal/testsession"
	"idlebell/trust"
)

// e2eTimeout bounds each wait for the child; Dovecot pushes after 500 ms.
const e2eTimeout = 20 * time.Second

// child is the app running as a child process.
type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout chan string // JSON lines, in order

	mu      sync.Mutex
	stderr  []string
	changed chan struct{} // closed and replaced on every stderr line

	done     chan struct{} // closed when the process has been waited for
	exitCode int
}

// startChild runs the app with args. dir holds its XDG config and state
// dirs; two children with the same dir share the watermarks.
func startChild(t *testing.T, dir string, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(),
		"IDLEBELL_E2E_CHILD=1",
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"),
	)
	// A -race binary sleeps 1 s before exiting (GORACE atexit_sleep_ms),
	// which the real binary does not: keep exit times comparable.
	cmd.Env = append(cmd.Env, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	cmd.Env = append(cmd.Env, env...)
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, stdout: make(chan string, 1000), changed: make(chan struct{}), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(outPipe)
		for sc.Scan() {
			c.stdout <- sc.Text()
		}
		close(c.stdout)
	}()
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(errPipe)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			c.mu.Lock()
			c.stderr = append(c.stderr, sc.Text())
			close(c.changed)
			c.changed = make(chan struct{})
			c.mu.Unlock()
		}
	}()
	go func() {
		readers.Wait() // Wait must not close the pipes before they are read
		err := cmd.Wait()
		c.exitCode = cmd.ProcessState.ExitCode()
		if err != nil && c.exitCode == -1 {
			c.exitCode = -1
		}
		close(c.done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			cmd.Process.Kill()
			<-c.done
		}
		if t.Failed() {
			t.Logf("child %v stderr:\n%s", args, c.stderrText())
		}
	})
	return c
}

func (c *child) stderrText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.stderr, "\n")
}

// waitStderr waits until n stderr lines contain every one of substrs and
// returns those lines.
func (c *child) waitStderr(n int, substrs ...string) []string {
	c.t.Helper()
	deadline := time.NewTimer(e2eTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		var got []string
		for _, l := range c.stderr {
			if containsAll(l, substrs) {
				got = append(got, l)
			}
		}
		changed := c.changed
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-changed:
		case <-c.done:
			c.t.Fatalf("child exited (status %d) before logging %d lines with %q", c.exitCode, n, substrs)
		case <-deadline.C:
			c.t.Fatalf("no %d stderr lines with %q within %s (have %d)", n, substrs, e2eTimeout, len(got))
		}
	}
}

// countStderr counts the stderr lines so far that contain every one of substrs.
func (c *child) countStderr(substrs ...string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, l := range c.stderr {
		if containsAll(l, substrs) {
			n++
		}
	}
	return n
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// waitIdle waits until the account's watcher is in IDLE on mailbox: mail
// delivered after that is new mail, not the baseline.
func (c *child) waitIdle(account string) {
	c.t.Helper()
	c.waitStderr(1, "msg=state account="+account+" mailbox=INBOX state=idle")
}

// nextLine reads the next stdout line.
func (c *child) nextLine() string {
	c.t.Helper()
	select {
	case line, ok := <-c.stdout:
		if !ok {
			c.t.Fatalf("child closed stdout (exit status %d) while a line was expected", c.exitCode)
		}
		return line
	case <-time.After(e2eTimeout):
		c.t.Fatalf("no line on stdout within %s", e2eTimeout)
	}
	return ""
}

// nextMail reads the next JSON line.
func (c *child) nextMail() headless.Mail {
	c.t.Helper()
	line := c.nextLine()
	var m headless.Mail
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		c.t.Fatalf("stdout line %q is not a mail: %v", line, err)
	}
	return m
}

// stop sends sig and waits for the exit; it returns the status and how long
// the exit took.
func (c *child) stop(sig os.Signal) (int, time.Duration) {
	c.t.Helper()
	start := time.Now()
	if err := c.cmd.Process.Signal(sig); err != nil {
		c.t.Fatal(err)
	}
	select {
	case <-c.done:
		return c.exitCode, time.Since(start)
	case <-time.After(e2eTimeout):
		c.t.Fatalf("child still running %s after %v", e2eTimeout, sig)
	}
	return 0, 0
}

// wait waits for the child to exit by itself.
func (c *child) wait() int {
	c.t.Helper()
	select {
	case <-c.done:
		return c.exitCode
	case <-time.After(e2eTimeout):
		c.t.Fatalf("child still running after %s", e2eTimeout)
	}
	return 0
}

// e2eAccount is one [[account]] block of a test config.
type e2eAccount struct {
	Name, Addr, Security, User, Password, Extra string
}

// writeConfig writes a config file into dir and returns its path. The
// password comes from password_command, as a headless setup without a
// keyring would do it.
func writeConfig(t *testing.T, dir string, accounts ...e2eAccount) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("version = 1\n")
	for _, a := range accounts {
		host, port, err := net.SplitHostPort(a.Addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "\n[[account]]\nname = %q\nhost = %q\nport = %s\nsecurity = %q\nusername = %q\npassword_command = %q\n%s\n",
			a.Name, host, port, a.Security, a.User, "printf %s "+a.Password, a.Extra)
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// newUser is a fresh IMAP user: its mailbox is empty and no other test sees it.
func newUser(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func deliver(t *testing.T, d *testsession.Dovecot, user string, msg []byte) {
	t.Helper()
	if err := d.Deliver(user, msg); err != nil {
		t.Fatal(err)
	}
}

func rawMessage(headers ...string) []byte {
	return []byte(strings.Join(headers, "\r\n") + "\r\n\r\n")
}

func TestHeadlessJSONLines(t *testing.T) {
	t.Parallel()
	env := testsession.FromEnv(t)
	d := env.Dovecot
	dir := t.TempDir()
	user := newUser("hl-json")
	deliver(t, d, user, testsession.Message("old@example.org", user+"@example.org", "before start", "old"))
	cfg := writeConfig(t, dir,
		e2eAccount{Name: "Work", Addr: d.PlainAddr, Security: "none", User: user, Password: d.Password()},
		// A failing account must not stop the others.
		e2eAccount{Name: "Broken", Addr: d.PlainAddr, Security: "none", User: newUser("hl-broken"), Password: "wrong"},
	)
	c := startChild(t, dir, nil, "--headless", "--config", cfg)
	c.waitIdle("Work")
	c.waitStderr(1, "level=ERROR msg=state account=Broken mailbox=INBOX state=failed", "authentication failed")

	subject := "Grüße aus Köln — 📬 $(ok)"
	before := time.Now().Truncate(time.Second)
	deliver(t, d, user, []byte(strings.Join([]string{
		"From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.org>",
		"To: " + user + "@example.org",
		"Subject: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(subject)) + "?=",
		"Date: Mon, 02 Mar 2026 10:11:12 +0100",
		"Message-ID: <e2e-1@idlebell.test>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
		"",
		"Hallo Welt, schöne Grüße!",
		"",
	}, "\r\n")))
	line := c.nextLine()
	after := time.Now()

	var fields map[string]any
	if err := json.Unmarshal([]byte(line), &fields); err != nil {
		t.Fatalf("stdout line %q: %v", line, err)
	}
	keys := slices.Sorted(maps.Keys(fields))
	wantKeys := []string{"account", "catch_up", "date", "from", "from_address", "mailbox", "message_id", "preview", "subject", "time", "uid", "uidvalidity"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("JSON keys = %q, want %q", keys, wantKeys)
	}
	var m headless.Mail
	json.Unmarshal([]byte(line), &m)
	seen, err := time.Parse(time.RFC3339, m.Time)
	if err != nil || seen.Before(before) || seen.After(after) {
		t.Errorf("time = %q (%v), want RFC 3339 between %s and %s", m.Time, err, before.Format(time.RFC3339), after.Format(time.RFC3339))
	}
	if m.UIDValidity == 0 {
		t.Errorf("uidvalidity = 0, want the mailbox's")
	}
	want := headless.Mail{
		Time: m.Time, Account: "Work", Mailbox: "INBOX", UID: 2, UIDValidity: m.UIDValidity,
		MessageID: "<e2e-1@idlebell.test>", From: "Jürgen Müller", FromAddress: "juergen@example.org",
		Subject: subject, Date: "2026-03-02T10:11:12+01:00", Preview: "Hallo Welt, schöne Grüße!", CatchUp: false,
	}
	if m != want {
		t.Errorf("mail line =\n%+v\nwant (uid 1 existed before the start and must not be printed)\n%+v", m, want)
	}

	// A raw UTF-8 header (RFC 6532) as well.
	deliver(t, d, user, []byte(strings.Join([]string{
		"From: Zoë Ångström <zoe@example.org>", "To: " + user + "@example.org",
		"Subject: Ünïcödé raw", "Message-ID: <e2e-2@idlebell.test>", "", "body", "",
	}, "\r\n")))
	if m := c.nextMail(); m.UID != 3 || m.From != "Zoë Ångström" || m.Subject != "Ünïcödé raw" || m.Date != "" {
		t.Errorf("raw UTF-8 mail = %+v, want uid 3 from Zoë Ångström, subject Ünïcödé raw, no date", m)
	}

	// A burst: one line per mail, each UID once, in order.
	const burst = 20
	for i := range burst {
		deliver(t, d, user, testsession.Message("burst@example.org", user+"@example.org", fmt.Sprintf("burst %d", i), "x"))
	}
	for i := range burst {
		m := c.nextMail()
		if wantUID := uint32(4 + i); m.UID != wantUID || m.Subject != fmt.Sprintf("burst %d", i) {
			t.Fatalf("burst line %d = uid %d %q, want uid %d %q", i, m.UID, m.Subject, wantUID, fmt.Sprintf("burst %d", i))
		}
	}
	// How fast it exits is make bench's business (SIGTERM to exit).
	if code, took := c.stop(syscall.SIGINT); code != 0 {
		t.Errorf("after SIGINT: exit status %d (after %s), want 0", code, took)
	}
	for line := range c.stdout {
		t.Errorf("extra stdout line after the burst: %s", line)
	}
}

// hookLog is what the test hooks append to, one line per run:
// "mail\tACCOUNT\tMAILBOX\tUID\tFROM\tFROM_ADDRESS\tSUBJECT\tMESSAGE_ID\tCATCH_UP" or
// "batch\tACCOUNT\tCOUNT\tCATCH_UP".
const (
	mailHook = `printf 'mail\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$IDLEBELL_ACCOUNT" "$IDLEBELL_MAILBOX" "$IDLEBELL_UID" ` +
		`"$IDLEBELL_FROM" "$IDLEBELL_FROM_ADDRESS" "$IDLEBELL_SUBJECT" "$IDLEBELL_MESSAGE_ID" "$IDLEBELL_CATCH_UP" >> "$HOOKDIR/hooks.log"; ` +
		`echo unquoted: $IDLEBELL_SUBJECT`
	batchHook = `printf 'batch\t%s\t%s\t%s\n' "$IDLEBELL_ACCOUNT" "$IDLEBELL_COUNT" "$IDLEBELL_CATCH_UP" >> "$HOOKDIR/hooks.log"`
)

func hookConfig(timeout string) string {
	return fmt.Sprintf("on_new_mail = '''%s'''\non_new_mail_batch = '''%s'''\nhook_timeout = %q", mailHook, batchHook, timeout)
}

func readHookLog(t *testing.T, dir string) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "hooks.log"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		out = append(out, strings.Split(l, "\t"))
	}
	return out
}

func TestHeadlessHooks(t *testing.T) {
	t.Parallel()
	env := testsession.FromEnv(t)
	d := env.Dovecot
	dir, hookDir := t.TempDir(), t.TempDir()
	user := newUser("hl-hooks")
	cfg := writeConfig(t, dir, e2eAccount{Name: "Work", Addr: d.PlainAddr, Security: "none", User: user, Password: d.Password(), Extra: hookConfig("30s")})
	c := startChild(t, dir, []string{"HOOKDIR=" + hookDir}, "--headless", "--config", cfg, "--log-level", "debug")
	c.waitIdle("Work")

	// The subject tries command substitution both ways; neither may run.
	pwned1, pwned2 := filepath.Join(hookDir, "pwned1"), filepath.Join(hookDir, "pwned2")
	evil := "$(touch " + pwned1 + ") `touch " + pwned2 + "` ; touch " + pwned1
	deliver(t, d, user, rawMessage(
		"From: =?UTF-8?Q?Ren=C3=A9e_Evil?= <evil@example.org>", "To: "+user+"@example.org",
		"Subject: "+evil, "Message-ID: <evil@idlebell.test>"))
	c.waitStderr(1, `msg="hook finished"`, "hook=on_new_mail ", "uid=1")

	// A burst: the mail hooks run in UID order; the batch hook once per
	// wake-up of the watcher (= per Batch event, logged at debug as msg=batch).
	const burst = 10
	for i := range burst {
		deliver(t, d, user, testsession.Message("b@example.org", user+"@example.org", fmt.Sprintf("b%d", i), "x"))
	}
	c.waitStderr(1+burst, `msg="hook finished"`, "hook=on_new_mail ")
	// Batch runs are queued behind their mail runs: wait until the batch
	// runs account for every mail.
	deadline := time.Now().Add(e2eTimeout)
	var runs [][]string
	for {
		finished := c.countStderr(`msg="hook finished"`) // before reading: a run logs after writing
		runs = readHookLog(t, hookDir)
		sum := 0
		for _, r := range runs {
			if r[0] == "batch" {
				n, _ := strconv.Atoi(r[2])
				sum += n
			}
		}
		if sum == 1+burst {
			break
		}
		if sum > 1+burst || time.Now().After(deadline) {
			t.Fatalf("batch hooks' IDLEBELL_COUNT sum to %d, want %d; runs:\n%q", sum, 1+burst, runs)
		}
		c.waitStderr(finished+1, `msg="hook finished"`)
	}

	for _, f := range []string{pwned1, pwned2} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists: the subject was executed by a hook", f)
		}
	}
	first := runs[0]
	wantFirst := []string{"mail", "Work", "INBOX", "1", "Renée Evil", "evil@example.org", evil, "<evil@idlebell.test>", "false"}
	if !slices.Equal(first, wantFirst) {
		t.Errorf("first hook run saw\n%q\nwant\n%q", first, wantFirst)
	}
	// Every batch run follows exactly the mail runs of its wake-up: the
	// mail runs since the previous batch run number IDLEBELL_COUNT.
	var uids []int
	sinceBatch, batches := 0, 0
	for _, r := range runs {
		switch r[0] {
		case "mail":
			uid, _ := strconv.Atoi(r[3])
			uids = append(uids, uid)
			sinceBatch++
		case "batch":
			batches++
			if n, _ := strconv.Atoi(r[2]); n != sinceBatch || r[3] != "false" {
				t.Errorf("batch run %q follows %d mail runs, want IDLEBELL_COUNT %d and CATCH_UP false", r, sinceBatch, sinceBatch)
			}
			sinceBatch = 0
		}
	}
	if want := intRange(1, 1+burst); !slices.Equal(uids, want) {
		t.Errorf("on_new_mail ran for UIDs %v, want %v in this order", uids, want)
	}
	// The server may split a live burst over several pushes: as many batch
	// runs as Batch events, whatever that number is.
	if events := c.countStderr("msg=batch account=Work"); batches != events {
		t.Errorf("on_new_mail_batch ran %d times for %d Batch events", batches, events)
	}
	t.Logf("a live burst of %d (+1) mails came in %d wake-ups", burst, batches)
	if out := c.countStderr(`output="unquoted: $(touch `); out != 1 {
		t.Errorf("the hook's output with the inert subject was logged %d times, want 1", out)
	}
}

func intRange(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestHeadlessHookTimeout(t *testing.T) {
	t.Parallel()
	env := testsession.FromEnv(t)
	d := env.Dovecot
	dir, hookDir := t.TempDir(), t.TempDir()
	user := newUser("hl-timeout")
	// "hang" sleeps in a pipeline in its own process group; the next mail's
	// hook must run after the 1 s timeout killed the group.
	hook := `if [ "$IDLEBELL_SUBJECT" = hang ]; then echo $$ > "$HOOKDIR/pgid"; sleep 60 | cat; fi; echo "$IDLEBELL_UID" >> "$HOOKDIR/done"`
	cfg := writeConfig(t, dir, e2eAccount{Name: "Work", Addr: d.PlainAddr, Security: "none", User: user, Password: d.Password(),
		Extra: fmt.Sprintf("on_new_mail = '''%s'''\nhook_timeout = \"1s\"", hook)})
	c := startChild(t, dir, []string{"HOOKDIR=" + hookDir}, "--headless", "--config", cfg)
	c.waitIdle("Work")
	deliver(t, d, user, testsession.Message("a@example.org", user+"@example.org", "hang", "x"))
	deliver(t, d, user, testsession.Message("a@example.org", user+"@example.org", "next", "x"))
	timedOut := c.waitStderr(1, `msg="hook timed out; killed it"`, "uid=1")
	c.waitStderr(1, `msg="hook finished"`, "uid=2")
	if m := regexp.MustCompile(`duration=(\S+)`).FindStringSubmatch(timedOut[0]); m == nil {
		t.Errorf("timeout line lacks the duration: %s", timedOut[0])
	} else if dur, err := time.ParseDuration(m[1]); err != nil || dur < time.Second {
		t.Errorf("hung hook ran %s, want its 1s timeout (how much longer is for make bench)", m[1])
	} else {
		t.Logf("hung hook killed after %s", dur)
	}
	b, err := os.ReadFile(filepath.Join(hookDir, "done"))
	if err != nil || string(b) != "2\n" {
		t.Errorf("hooks that ran to the end: %q (%v), want only UID 2", b, err)
	}
	pg, err := os.ReadFile(filepath.Join(hookDir, "pgid"))
	if err != nil {
		t.Fatal(err)
	}
	pgid, _ := strconv.Atoi(strings.TrimSpace(string(pg)))
	if alive := processGroup(pgid); len(alive) > 0 {
		t.Errorf("the killed hook's process group %d still has %v", pgid, alive)
	}
}

// processGroup lists the live (not zombie) processes of a process group.
func processGroup(pgid int) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+2:]) // state ppid pgrp ...
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" {
			out = append(out, s[:i+1])
		}
	}
	return out
}

// TestHeadlessCatchUpAfterRestart stops the app, delivers a burst while it
// is stopped and starts it again: the burst comes as one catch-up fetch, so
// on_new_mail_batch runs exactly once with IDLEBELL_COUNT = the burst.
// It also checks SIGTERM: exit 0 within 2 s, after a LOGOUT Dovecot logs.
func TestHeadlessCatchUpAfterRestart(t *testing.T) {
	t.Parallel()
	env := testsession.FromEnv(t)
	d := env.Dovecot
	dir, hookDir := t.TempDir(), t.TempDir()
	user := newUser("hl-restart")
	cfg := writeConfig(t, dir, e2eAccount{Name: "Work", Addr: d.TLSAddr, Security: "tls", User: user, Password: d.Password(),
		Extra: hookConfig("30s") + fmt.Sprintf("\ntls_ca_file = %q", d.CAFile)})
	hookEnv := []string{"HOOKDIR=" + hookDir}

	c := startChild(t, dir, hookEnv, "--headless", "--config", cfg)
	c.waitIdle("Work")
	if code, took := c.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("after SIGTERM: exit status %d (after %s), want 0", code, took)
	}
	waitDovecotLog(t, d, "imap("+user+")", "Logged out")

	const burst = 5
	for i := range burst {
		deliver(t, d, user, testsession.Message("c@example.org", user+"@example.org", fmt.Sprintf("offline %d", i), "x"))
	}
	c = startChild(t, dir, hookEnv, "--headless", "--config", cfg, "--log-level", "debug")
	for i := range burst {
		m := c.nextMail()
		if m.UID != uint32(i+1) || !m.CatchUp || m.Subject != fmt.Sprintf("offline %d", i) {
			t.Errorf("catch-up line %d = uid %d catch_up %v %q, want uid %d catch_up true", i, m.UID, m.CatchUp, m.Subject, i+1)
		}
	}
	c.waitStderr(1, `msg="hook finished"`, "hook=on_new_mail_batch")
	c.waitIdle("Work")
	runs := readHookLog(t, hookDir)
	if len(runs) != burst+1 {
		t.Fatalf("%d hook runs after the restart, want %d mail runs and 1 batch run:\n%q", len(runs), burst, runs)
	}
	var want [][]string
	for i := range burst {
		want = append(want, []string{"mail", "Work", "INBOX", strconv.Itoa(i + 1), "", "c@example.org", fmt.Sprintf("offline %d", i), runs[i][7], "true"})
	}
	want = append(want, []string{"batch", "Work", strconv.Itoa(burst), "true"})
	if !slices.EqualFunc(runs, want, slices.Equal) {
		t.Errorf("hook runs after the restart =\n%q\nwant\n%q", runs, want)
	}
	if n := c.countStderr("msg=batch account=Work"); n != 1 {
		t.Errorf("%d Batch events for the catch-up, want 1", n)
	}
	if code, took := c.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("second SIGTERM: exit status %d (after %s), want 0", code, took)
	}
}

// waitDovecotLog waits until Dovecot's log has a line with all of substrs.
// Dovecot writes its log through its own log process: polled, with a deadline.
func waitDovecotLog(t *testing.T, d *testsession.Dovecot, substrs ...string) {
	t.Helper()
	deadline := time.Now().Add(e2eTimeout)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(d.Dir, "dovecot.log"))
		for _, l := range strings.Split(string(b), "\n") {
			if containsAll(l, substrs) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("dovecot.log has no line with %q after %s", substrs, e2eTimeout)
		}
		<-time.After(delay)
	}
}

func TestHeadlessInvalidConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	os.WriteFile(path, []byte("version = 1\n[[account]]\nname = \"Work\"\nhost = \"mail.example.org\"\nport = 99999\n"), 0o600)
	for _, args := range [][]string{{"--headless", "--config", path}, {"check", "--config", path}} {
		c := startChild(t, dir, nil, args...)
		if code := c.wait(); code != 2 {
			t.Errorf("%v with an invalid config: exit status %d, want 2", args, code)
		}
		if msg := c.stderrText(); !strings.Contains(msg, path+": line 5: account “Work”: port: ") {
			t.Errorf("%v: stderr = %q, want the file, line, account and field of the problem", args, msg)
		}
	}
}

func TestHeadlessDebugIMAP(t *testing.T) {
	t.Parallel()
	env := testsession.FromEnv(t)
	d := env.Dovecot
	dir := t.TempDir()
	user := newUser("hl-debug")
	cfg := writeConfig(t, dir, e2eAccount{Name: "Work", Addr: d.PlainAddr, Security: "none", User: user, Password: d.Password()})
	c := startChild(t, dir, nil, "--headless", "--debug-imap", "--config", cfg)
	c.waitIdle("Work")
	c.waitStderr(1, "[Work] ", " IDLE")
	c.stop(syscall.SIGTERM)
	chk := startChild(t, dir, nil, "check", "--debug-imap", "--config", cfg)
	if code := chk.wait(); code != 0 {
		t.Errorf("check --debug-imap: exit status %d, want 0", code)
	}
	traces := map[string][]string{
		"--headless": {"[Work] * OK [CAPABILITY ", "[Work] T1 LOGIN ***\n", "Logged in", "[Work] T2 EXAMINE INBOX", "[Work] + idling", "LOGOUT"},
		"check":      {"[Work] * OK [CAPABILITY ", "[Work] T1 LOGIN ***\n", "Logged in", "STATUS INBOX", "LOGOUT"},
	}
	for name, trace := range map[string]string{"--headless": c.stderrText(), "check": chk.stderrText()} {
		for _, want := range traces[name] {
			if !strings.Contains(trace, want) {
				t.Errorf("%s --debug-imap: trace lacks %q", name, want)
			}
		}
		if strings.Contains(trace, d.Password()) {
			t.Errorf("%s --debug-imap: trace contains the password", name)
		}
	}
}

func checkServer(t *testing.T) *testsession.Dovecot {
	return testsession.FromEnv(t).Dovecot
}

func TestCheckPasses(t *testing.T) {
	t.Parallel()
	d := checkServer(t)
	dir := t.TempDir()
	user := newUser("hl-check")
	deliver(t, d, user, testsession.Message("a@example.org", user+"@example.org", "one", "x"))
	cfg := writeConfig(t, dir,
		e2eAccount{Name: "Plain", Addr: d.PlainAddr, Security: "none", User: user, Password: d.Password()},
		e2eAccount{Name: "TLS", Addr: d.TLSAddr, Security: "tls", User: user, Password: d.Password(), Extra: fmt.Sprintf("tls_ca_file = %q", d.CAFile)},
	)
	c := startChild(t, dir, nil, "check", "--config", cfg)
	if code := c.wait(); code != 0 {
		t.Errorf("check: exit status %d, want 0", code)
	}
	table := strings.Join(drain(c.stdout), "\n")
	t.Logf("check output:\n%s", table)
	fp := certFingerprint(t, d.CAFile)
	for _, want := range []string{
		"Plain (" + d.PlainAddr + ", none): ok", "TLS (" + d.TLSAddr + ", tls): ok",
		"  ok    capabilities  IDLE yes, NOTIFY yes, CONDSTORE yes, PREVIEW yes",
		"  ok    mailboxes     INBOX: 1 messages, 1 unseen", "  ok    tls           TLS 1.3, CN=localhost,O=idlebell test, " + fp,
		"  ok    round trip    ",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("check table lacks %q", want)
		}
	}
	if strings.Contains(table, "FAIL") {
		t.Errorf("check table has a FAIL line")
	}

	c = startChild(t, dir, nil, "check", "--json", "--config", cfg)
	if code := c.wait(); code != 0 {
		t.Errorf("check --json: exit status %d, want 0", code)
	}
	var got struct {
		OK       bool `json:"ok"`
		Accounts []struct {
			Account         string                   `json:"account"`
			OK              bool                     `json:"ok"`
			CertFingerprint string                   `json:"cert_fingerprint"`
			Idle            bool                     `json:"idle"`
			Mailboxes       []imapwatch.MailboxCheck `json:"mailboxes"`
			RTTMs           float64                  `json:"rtt_ms"`
		} `json:"accounts"`
	}
	out := strings.Join(drain(c.stdout), "\n")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("check --json printed %q: %v", out, err)
	}
	if !got.OK || len(got.Accounts) != 2 || got.Accounts[1].CertFingerprint != fp || !got.Accounts[0].Idle ||
		got.Accounts[0].RTTMs <= 0 || len(got.Accounts[0].Mailboxes) != 1 || got.Accounts[0].Mailboxes[0].Unseen != 1 {
		t.Errorf("check --json = %s", out)
	}
}

func TestCheckFailures(t *testing.T) {
	t.Parallel()
	d := checkServer(t)
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	cfg := writeConfig(t, dir,
		e2eAccount{Name: "WrongPassword", Addr: d.PlainAddr, Security: "none", User: newUser("hl-check"), Password: "wrong"},
		e2eAccount{Name: "Untrusted", Addr: d.TLSAddr, Security: "tls", User: newUser("hl-check"), Password: d.Password()},
		e2eAccount{Name: "Closed", Addr: closed, Security: "none", User: "x", Password: "x"},
	)
	c := startChild(t, dir, nil, "check", "--config", cfg)
	if code := c.wait(); code != 1 {
		t.Errorf("check with failing accounts: exit status %d, want 1", code)
	}
	table := strings.Join(drain(c.stdout), "\n")
	t.Logf("check output:\n%s", table)
	fp := certFingerprint(t, d.CAFile)
	for _, want := range []string{
		"WrongPassword (" + d.PlainAddr + ", none): FAILED",
		"  FAIL  login         login failed: check the password\n",
		"  FAIL  tls           certificate not trusted (" + fp[:len("sha256:AB:CD:EF:01:23:45")] + "…)\n",
		"If " + fp + " (CN=localhost,O=idlebell test) is your server's certificate, trust it: Test connection in Settings, or tls_fingerprint = \"" + fp + "\" in the account",
		"  FAIL  connect       " + closed + " refused the connection\n                      Check the port, and that the server is running.",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("check table lacks %q", want)
		}
	}
}

func drain(ch <-chan string) []string {
	var out []string
	for l := range ch {
		out = append(out, l)
	}
	return out
}

// certFingerprint is the SHA-256 fingerprint of the first certificate in a
// PEM file, formatted as idlebell shows it.
func certFingerprint(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", file)
	}
	if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
		t.Fatal(err)
	}
	return trust.Fingerprint(blk.Bytes)
}

func TestHeadlessVersionFlag(t *testing.T) {
	t.Parallel()
	c := startChild(t, t.TempDir(), nil, "--version")
	if code := c.wait(); code != 0 {
		t.Errorf("--version: exit status %d", code)
	}
	out := strings.Join(drain(c.stdout), "\n")
	if !regexp.MustCompile(`^idlebell \S+ \(commit \S+, go1\.\d+`).MatchString(out) {
		t.Errorf("--version printed %q, want version, commit and Go version", out)
	}
}
