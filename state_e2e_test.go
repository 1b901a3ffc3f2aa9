package main

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"idlebell/internal/testsession"
)

// TestHeadlessDamagedState: a state file that cannot be read (here cut
// short, as a full disk or a crash of the file system leaves it) is moved
// aside, and what can be read of it is kept: the folder whose entry
// survived announces the mail that came while idlebell was stopped; the
// folder whose entry was lost starts afresh, and idlebell says at level
// ERROR, and in the folder's state, that mail may have been missed.
func TestHeadlessDamagedState(t *testing.T) {
	t.Parallel()
	env := testsession.FromEnv(t)
	d := env.Dovecot
	dir := t.TempDir()
	user := newUser("hl-damaged")
	if err := d.CreateMailbox(user, "Lists"); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, dir, e2eAccount{Name: "Work", Addr: d.PlainAddr, Security: "none", User: user, Password: d.Password(),
		Extra: `mailboxes = ["INBOX", "Lists"]`})
	c := startChild(t, dir, nil, "--headless", "--config", cfg)
	c.waitIdle("Work")
	c.waitStderr(1, "msg=state account=Work mailbox=Lists state=idle")
	if code, _ := c.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit status %d, want 0", code)
	}

	deliver(t, d, user, testsession.Message("a@example.org", user+"@example.org", "stopped INBOX", "x"))
	if err := d.DeliverTo(user, "Lists", testsession.Message("a@example.org", user+"@example.org", "stopped Lists", "x")); err != nil {
		t.Fatal(err)
	}
	// Cut the file after INBOX's entry (the entries are in name order).
	path := filepath.Join(dir, "state", "idlebell", "state.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte(`"INBOX"`))
	j := bytes.IndexByte(data[i:], '}')
	if i < 0 || j < 0 || !bytes.Contains(data[i:], []byte(`"Lists"`)) {
		t.Fatalf("state file = %s, want INBOX's entry before Lists'", data)
	}
	if err := os.WriteFile(path, data[:i+j+2], 0o600); err != nil {
		t.Fatal(err)
	}

	c = startChild(t, dir, nil, "--headless", "--config", cfg)
	if m := c.nextMail(); m.Subject != "stopped INBOX" || !m.CatchUp {
		t.Errorf("first line: %q catch_up %v, want the INBOX mail as catch-up", m.Subject, m.CatchUp)
	}
	c.waitStderr(1, "level=ERROR", "state file unusable", "may not be announced", "moved_to=")
	c.waitStderr(1, "msg=state account=Work mailbox=Lists state=idle", "saved state lost")
	c.waitIdle("Work")
	if n := c.countStderr("mailbox=INBOX state=idle", "saved state lost"); n != 0 {
		t.Errorf("INBOX, whose state was read, says its state was lost")
	}
	deliver(t, d, user, testsession.Message("end@example.org", user+"@example.org", "sentinel", "end"))
	if m := c.nextMail(); m.Subject != "sentinel" {
		t.Errorf("next line: %q, want the sentinel (nothing else; the Lists mail is lost with its state)", m.Subject)
	}
	matches, _ := filepath.Glob(path + ".corrupt-*")
	if len(matches) != 1 {
		t.Errorf("corrupt copies = %q, want 1", matches)
	}
}
