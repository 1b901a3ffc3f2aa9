package settings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// childLockHold takes the lock, says so, and holds it until killed.
func childLockHold(statePath string) error {
	l, err := LockState(statePath)
	if err != nil {
		return err
	}
	defer l.Unlock()
	fmt.Println("locked", os.Getpid())
	select {}
}

// TestLockState: a second process on the same state file is refused with the
// PID of the first; once the first is gone (killed: no clean-up ran), the
// lock is free again.
func TestLockState(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "idlebell", "state.json")
	cmd, out := startChild(t, "lock-hold", "IDLEBELL_SETTINGS_PATH="+statePath)
	line := readLines(t, out, 1)[0]
	holder, _ := strconv.Atoi(strings.TrimPrefix(line, "locked "))
	if holder != cmd.Process.Pid {
		t.Fatalf("child said %q, want locked %d", line, cmd.Process.Pid)
	}

	l, err := LockState(statePath)
	var le *LockedError
	if !errors.As(err, &le) {
		l.Unlock()
		t.Fatalf("LockState while another process holds it = %v, want *LockedError", err)
	}
	if le.PID != holder || !strings.Contains(err.Error(), fmt.Sprintf("PID %d", holder)) {
		t.Errorf("LockState = %q (PID %d), want the holder's PID %d named", err, le.PID, holder)
	}

	cmd.Process.Kill()
	cmd.Wait()
	l, err = LockState(statePath)
	if err != nil {
		t.Fatalf("LockState after the holder died = %v, want the lock", err)
	}
	if got := readLockPID(LockPath(statePath)); got != os.Getpid() {
		t.Errorf("lock file names PID %d, want ours (%d)", got, os.Getpid())
	}
	if err := l.Unlock(); err != nil {
		t.Errorf("Unlock() = %v", err)
	}
}

// TestLockStateUnwritable: a lock file that cannot be made is an error of its
// own, not "already running", so the caller can go on without the lock.
func TestLockStateUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LockState(filepath.Join(blocker, "state.json")) // a file is no directory
	var le *LockedError
	if err == nil || errors.As(err, &le) {
		t.Errorf("LockState under a file = %v, want an error that is not *LockedError", err)
	}
}

// TestWatching: the settings window's question "does an idlebell run?" is
// answered by the lock another process holds, without taking it from a
// process that comes next and without making a lock file.
func TestWatching(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "idlebell", "state.json")
	if w, err := Watching(statePath); w || err != nil {
		t.Errorf("Watching before any idlebell ran = %v, %v; want false", w, err)
	}
	if _, err := os.Stat(filepath.Dir(statePath)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Watching made %s (%v): it should create nothing", filepath.Dir(statePath), err)
	}

	cmd, out := startChild(t, "lock-hold", "IDLEBELL_SETTINGS_PATH="+statePath)
	readLines(t, out, 1)
	if w, err := Watching(statePath); !w || err != nil {
		t.Errorf("Watching while another process holds the lock = %v, %v; want true", w, err)
	}
	cmd.Process.Kill()
	cmd.Wait()

	if w, err := Watching(statePath); w || err != nil {
		t.Errorf("Watching after the holder died = %v, %v; want false", w, err)
	}
	l, err := LockState(statePath) // the probe left the lock free
	if err != nil {
		t.Fatalf("LockState after Watching = %v, want the lock", err)
	}
	l.Unlock()
}
