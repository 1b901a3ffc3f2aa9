package tray

import (
	"bytes"
	"strings"
	"testing"

	"idlebell/imapwatch"
)

type nopCloser struct{ *bytes.Buffer }

func (nopCloser) Close() error { return nil }

// TestSettingsWindowLearnsStates: an open settings window is told each
// account's state on start and whenever it changes, once per change.
func TestSettingsWindowLearnsStates(t *testing.T) {
	tr := newTestTray(t, cfgWith(3, true, "Work", "Home"))
	var pipe bytes.Buffer
	tr.settings = &settingsChild{stdin: nopCloser{&pipe}, sent: map[string]string{}}
	tr.sendStates(tr.at)
	tr.apply(&imapwatch.StateChange{Account: "Work", Mailbox: "INBOX", State: imapwatch.StateIdle})
	tr.apply(&imapwatch.Unseen{Account: "Work", Mailbox: "INBOX", Count: 2})
	tr.refresh() // nothing changed: nothing sent
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(pipe.String()), "\n") {
		cmd, arg, ok := ParseControlLine(l)
		name, line, ok2 := ParseState(arg)
		if !ok || !ok2 || cmd != CmdState {
			t.Fatalf("bad control line %q", l)
		}
		got = append(got, name+": "+line)
	}
	want := []string{"Work: connecting…", "Home: connecting…", "Work: connected", "Work: 2 unread · connected"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("state lines = %q, want %q", got, want)
	}
}
