//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/sys/unix"

	"idlebell/headless"
	"idlebell/internal/badimap"
	"idlebell/internal/testsession"
)

// appendMails appends n messages over one IMAP connection (faster than an
// MTA per message) and returns their subjects.
func appendMails(t *testing.T, d *testsession.Dovecot, user, prefix string, n int) []string {
	t.Helper()
	c, err := imapclient.DialInsecure(d.PlainAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, d.Password()).Wait(); err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for i := range n {
		s := fmt.Sprintf("%s %d", prefix, i)
		msg := testsession.Message("burst@example.org", user+"@example.org", s, strings.Repeat("body text ", 40))
		cmd := c.Append("INBOX", int64(len(msg)), nil)
		cmd.Write(msg)
		cmd.Close()
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, s)
	}
	c.Logout().Wait()
	return subjects
}

// stateNextUID reads the INBOX watermark of account from the state file, 0
// when there is none yet.
func stateNextUID(dir, account string) uint32 {
	b, err := os.ReadFile(filepath.Join(dir, "state", "idlebell", "state.json"))
	if err != nil {
		return 0
	}
	var f struct {
		Accounts map[string]map[string]struct {
			NextUID uint32 `json:"next_uid"`
		} `json:"accounts"`
	}
	if json.Unmarshal(b, &f) != nil {
		return 0
	}
	return f.Accounts[account]["INBOX"].NextUID
}

// pollUntil polls cond until it holds or the deadline passes.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(e2eTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, e2eTimeout)
		}
		<-tick.C
	}
}

// startUnread starts a headless child whose stdout is a pipe read only
// when the test takes from lines (which closes once the child is gone and
// the pipe drained); idle closes when it first reports state=idle. r is the
// pipe's reading end, to measure what waits in it.
func startUnread(t *testing.T, dir, cfg string) (cmd *exec.Cmd, r *os.File, lines <-chan string, idle <-chan struct{}) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(os.Args[0], "--headless", "--config", cfg)
	cmd.Env = append(os.Environ(), "IDLEBELL_E2E_CHILD=1", "GORACE=atexit_sleep_ms=0",
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_STATE_HOME="+filepath.Join(dir, "state"))
	cmd.Stdout = w
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	idleCh := make(chan struct{})
	go func() { // drains stderr until the child dies
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			if !once && strings.Contains(sc.Text(), "state=idle") {
				once = true
				close(idleCh)
			}
		}
	}()
	linesCh := make(chan string)
	go func() { // ends when the pipe's writer is gone and it is drained
		defer close(linesCh)
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			linesCh <- sc.Text()
		}
	}()
	return cmd, r, linesCh, idleCh
}

// pipeFull waits until the child pid stays blocked writing to its stdout,
// r's pipe, which holds what it wrote: a thread of it sleeps in the
// kernel's pipe_write on two looks in a row (stderr is read all along). Not
// by the bytes in the pipe: Linux gives a user's pipes one page each once
// they hold more than fs.pipe-user-pages-soft, which tests running side by
// side reach, and a page the reader took part of is not written again.
func pipeFull(t *testing.T, r *os.File, pid int) {
	t.Helper()
	blocked := func() bool {
		n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ) // FIONREAD: bytes in the pipe
		if err != nil || n == 0 {
			return false
		}
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
		for _, f := range tasks {
			if b, _ := os.ReadFile(f); strings.Contains(string(b), "pipe_write") {
				return true
			}
		}
		return false
	}
	was := false
	pollUntil(t, "pipe full", func() bool {
		now := blocked()
		defer func() { was = now }()
		return was && now
	})
}

// TestHeadlessKillSlowReader: a consumer that reads stdout slowly (a shell
// loop, a script doing work per line) and a kill -9 lose no mail: what was
// not written to stdout is announced after the restart. Five rounds: a
// burst larger than the pipe holds, the reader not reading, kill -9 once the
// watermark was saved meanwhile, then the reader drains what reached it.
func TestHeadlessKillSlowReader(t *testing.T) {
	t.Parallel()
	env := testsession.FromEnv(t)
	d := env.Dovecot
	dir := t.TempDir()
	user := newUser("hl-kill")
	deliver(t, d, user, testsession.Message("old@example.org", user+"@example.org", "before start", "old"))
	cfg := writeConfig(t, dir, e2eAccount{Name: "Work", Addr: d.PlainAddr, Security: "none", User: user, Password: d.Password()})

	count := map[string]int{}
	var want []string
	read := func(line string) {
		var m headless.Mail
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("stdout line %q: %v", line, err)
		}
		count[m.Subject]++
	}
	const rounds, burst = 5, 300
	for round := range rounds {
		cmd, r, lines, idle := startUnread(t, dir, cfg)
		// The reader reads while the child catches up on what the last
		// round left, and stops reading once the child idles.
		for waiting := true; waiting; {
			select {
			case l := <-lines:
				read(l)
			case <-idle:
				waiting = false
			case <-time.After(e2eTimeout):
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("round %d: child not idle within %s", round, e2eTimeout)
			}
		}
		before := stateNextUID(dir, "Work")
		want = append(want, appendMails(t, d, user, fmt.Sprintf("round %d mail", round), burst)...)
		// The reader does not read: the pipe fills, the child blocks
		// writing with mail fetched and queued behind the line it writes.
		pipeFull(t, r, cmd.Process.Pid)
		pollUntil(t, "watermark saved", func() bool { return stateNextUID(dir, "Work") > before })
		cmd.Process.Kill()
		cmd.Wait()
		for l := range lines { // what reached the reader before the kill
			read(l)
		}
		r.Close()
	}
	c := startChild(t, dir, nil, "--headless", "--config", cfg)
	c.waitIdle("Work")
	deliver(t, d, user, testsession.Message("end@example.org", user+"@example.org", "sentinel", "end"))
	for done := false; !done; {
		line := c.nextLine()
		read(line)
		done = strings.Contains(line, `"subject":"sentinel"`)
	}
	lost, dup := 0, 0
	for _, s := range want {
		switch n := count[s]; {
		case n == 0:
			lost++
		case n > 1:
			dup += n - 1
		}
	}
	t.Logf("%d kill -9s with a reader that stopped reading: %d mails, %d lost, %d announced twice", rounds, len(want), lost, dup)
	if lost > 0 {
		t.Errorf("%d of %d mails lost after kill -9, want 0", lost, len(want))
	}
	if count["before start"] != 0 {
		t.Errorf("old mail announced")
	}
}

// TestHeadlessKillInCatchUp: a kill -9 in the middle of a long catch-up
// (mail that arrived while idlebell was stopped) repeats what was written
// since the state was last saved, not the whole catch-up: without bubbles
// the JSON line is the delivery, and the watermark follows the lines while
// the catch-up is still being written.
func TestHeadlessKillInCatchUp(t *testing.T) {
	t.Parallel()
	env := testsession.FromEnv(t)
	d := env.Dovecot
	dir := t.TempDir()
	user := newUser("hl-killcatch")
	cfg := writeConfig(t, dir, e2eAccount{Name: "Work", Addr: d.PlainAddr, Security: "none", User: user, Password: d.Password()})
	c := startChild(t, dir, nil, "--headless", "--config", cfg)
	c.waitIdle("Work")
	if code, _ := c.stop(os.Interrupt); code != 0 {
		t.Fatalf("exit status %d, want 0", code)
	}
	before := stateNextUID(dir, "Work")
	want := appendMails(t, d, user, "while stopped", 400)

	// The reader reads 60 lines, then no more: the child blocks writing, in
	// the middle of the catch-up (at line 150 or so of 400 with a pipe of
	// 64 KiB).
	count := map[string]int{}
	read := func(line string) {
		var m headless.Mail
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("stdout line %q: %v", line, err)
		}
		count[m.Subject]++
	}
	const first = 60
	cmd, r, lines, _ := startUnread(t, dir, cfg)
	written := 0
	for ; written < first; written++ {
		select {
		case l := <-lines:
			read(l)
		case <-time.After(e2eTimeout):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%d lines within %s, want %d", written, e2eTimeout, first)
		}
	}
	pipeFull(t, r, cmd.Process.Pid)
	pollUntil(t, "watermark following the catch-up", func() bool { return stateNextUID(dir, "Work") >= before+first })
	cmd.Process.Kill()
	cmd.Wait()
	for l := range lines {
		read(l)
		written++
	}
	r.Close()

	c = startChild(t, dir, nil, "--headless", "--config", cfg)
	c.waitIdle("Work")
	deliver(t, d, user, testsession.Message("end@example.org", user+"@example.org", "sentinel", "end"))
	for done := false; !done; {
		line := c.nextLine()
		read(line)
		done = strings.Contains(line, `"subject":"sentinel"`)
	}
	lost, dup := 0, 0
	for _, s := range want {
		switch n := count[s]; {
		case n == 0:
			lost++
		case n > 1:
			dup += n - 1
		}
	}
	t.Logf("kill -9 in a catch-up of %d mails after %d were written: %d lost, %d announced twice", len(want), written, lost, dup)
	if lost > 0 {
		t.Errorf("%d of %d mails lost after kill -9, want 0", lost, len(want))
	}
	if dup > written-first {
		t.Errorf("%d of the %d mails written before the kill announced twice, want at most %d (the watermark had passed %d)", dup, written, written-first, first)
	}
}

// TestHeadlessRenameKeepsState: renaming an account in the config file while
// idlebell runs (as the settings window does) carries its watermark over:
// mail that arrived while it could not watch is announced under the new
// name, not swallowed by a new baseline. Removing it drops its state.
func TestHeadlessRenameKeepsState(t *testing.T) {
	t.Parallel()
	env := testsession.FromEnv(t)
	d := env.Dovecot
	dir := t.TempDir()
	user := newUser("hl-rename")
	deliver(t, d, user, testsession.Message("old@example.org", user+"@example.org", "before start", "old"))
	// A proxy that can go silent stands for a network that dropped.
	p, err := badimap.NewProxy(d.PlainAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	cfg := writeConfig(t, dir, e2eAccount{Name: "Work", Addr: p.Addr, Security: "none", User: user, Password: d.Password()})
	c := startChild(t, dir, nil, "--headless", "--config", cfg)
	c.waitIdle("Work")
	deliver(t, d, user, testsession.Message("a@example.org", user+"@example.org", "first", "1"))
	if m := c.nextMail(); m.Subject != "first" || m.Account != "Work" {
		t.Fatalf("first mail = %q in %s, want \"first\" in Work", m.Subject, m.Account)
	}

	p.Freeze() // Work's connection hears nothing from now on
	deliver(t, d, user, testsession.Message("b@example.org", user+"@example.org", "while renaming", "2"))
	writeConfig(t, dir, e2eAccount{Name: "Office", Addr: p.Addr, Security: "none", User: user, Password: d.Password()})
	m := c.nextMail()
	if m.Subject != "while renaming" || m.Account != "Office" {
		t.Errorf("after the rename: mail %q in %s, want \"while renaming\" in Office", m.Subject, m.Account)
	}
	c.waitStderr(1, "msg=state account=Office mailbox=INBOX state=idle")
	deliver(t, d, user, testsession.Message("c@example.org", user+"@example.org", "after rename", "3"))
	if m := c.nextMail(); m.Subject != "after rename" || m.Account != "Office" {
		t.Errorf("mail %q in %s, want \"after rename\" in Office", m.Subject, m.Account)
	}

	// Removed from the config: its state goes too.
	writeConfig(t, dir)
	c.waitStderr(1, "msg=state account=Office mailbox=INBOX state=stopped")
	pollUntil(t, "state of the removed account dropped", func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "state", "idlebell", "state.json"))
		return err == nil && !strings.Contains(string(b), `"Office"`) && !strings.Contains(string(b), `"Work"`)
	})
	if code, _ := c.stop(os.Interrupt); code != 0 {
		t.Errorf("exit status %d after SIGINT, want 0", code)
	}
}
