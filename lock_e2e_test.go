package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHeadlessSecondProcessRefused: two idlebells on one config and state
// would announce every mail twice. The second exits with status 3 and names
// the first's PID; `check` on the same config still runs.
func TestHeadlessSecondProcessRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Nothing listens on port 1: the account keeps reconnecting, which is
	// all this test needs of it.
	cfg := writeConfig(t, dir, e2eAccount{Name: "Work", Addr: "127.0.0.1:1", Security: "none", User: "u", Password: "p"})
	first := startChild(t, dir, nil, "--headless", "--config", cfg)
	first.waitStderr(1, "msg=state account=Work mailbox=INBOX state=connecting")

	second := startChild(t, dir, nil, "--headless", "--config", cfg)
	if code := second.wait(); code != 3 {
		t.Errorf("second idlebell exited with status %d, want 3", code)
	}
	pid := fmt.Sprintf("PID %d", first.cmd.Process.Pid)
	if msg := second.stderrText(); !strings.Contains(msg, "already running") || !strings.Contains(msg, pid) {
		t.Errorf("second idlebell said %q, want \"already running\" and %q", msg, pid)
	}
	if got, _ := filepath.Glob(filepath.Join(dir, "state", "idlebell", "state.json.lock")); len(got) != 1 {
		t.Errorf("lock file beside the state file: %q, want one", got)
	}

	// check needs no lock: it runs, and fails only on the account.
	check := startChild(t, dir, nil, "check", "--config", cfg)
	if code := check.wait(); code == 3 {
		t.Errorf("check exited with status 3 while idlebell runs: %s", check.stderrText())
	}

	if code, _ := first.stop(os.Interrupt); code != 0 {
		t.Errorf("first idlebell exited with status %d after SIGINT, want 0", code)
	}
}
