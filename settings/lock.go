package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gofrs/flock"
)

// Lock is held by the one idlebell process that may use a state file: two
// processes on the same state (the tray app started at login and a terminal
// run, a systemd unit and the tray) would both announce every mail and run
// every hook twice. It is an advisory lock (flock(2) on Unix, LockFileEx on
// Windows) on the file LockPath(statePath), which the operating system
// releases when the process ends, also after kill -9 or a crash.
type Lock struct {
	f *flock.Flock
}

// LockedError says that another process holds the lock. PID is that
// process's id as it wrote it into the lock file, 0 when unknown.
type LockedError struct {
	Path string
	PID  int
}

// Error names the holder and the lock file, in English for logs; what to
// do about it, in the user's language, is explain's.
func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("idlebell is already running (PID %d): it holds %s", e.PID, LockPath(e.Path))
	}
	return fmt.Sprintf("idlebell is already running: another process holds %s", LockPath(e.Path))
}

// LockPath is the lock file that goes with a state file: state.json.lock
// in the same directory.
func LockPath(statePath string) string { return statePath + ".lock" }

// pidOffset is where the lock file keeps the holder's PID. Byte 0 is the
// one byte LockFileEx locks on Windows, where other processes cannot read
// a locked range; the PID starts after it so a second process can read it
// on every OS.
const pidOffset = 1

// LockState takes the lock for statePath without waiting. It returns a
// *LockedError when another process holds it, and another error when the
// lock file cannot be created (an unwritable directory): the caller may
// then run without the lock. The directory is created 0700 when missing.
// Release it with Unlock, or let the process end.
func LockState(statePath string) (*Lock, error) {
	path := LockPath(statePath)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := f.TryLock()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		f.Close()
		return nil, &LockedError{Path: statePath, PID: readLockPID(path)}
	}
	// The PID is for the message of the next process only: a failure to
	// write it costs that message its PID, nothing else.
	if w, err := os.OpenFile(path, os.O_WRONLY, 0o600); err == nil {
		w.Truncate(pidOffset)
		w.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), pidOffset)
		w.Close()
	}
	return &Lock{f: f}, nil
}

// readLockPID reads the holder's PID from the lock file, 0 when unknown.
func readLockPID(path string) int {
	r, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer r.Close()
	buf := make([]byte, 32)
	n, _ := r.ReadAt(buf, pidOffset)
	pid, err := strconv.Atoi(string(bytes.TrimSpace(buf[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// Unlock releases the lock. It is safe to call on a nil *Lock.
func (l *Lock) Unlock() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}

// Watching reports whether a process holds the lock of statePath now: an
// idlebell is watching the accounts. It keeps nothing: when the lock is
// free it holds a shared lock for an instant and lets it go (an idlebell
// starting in that very instant would take the lock for held and exit with
// status 3), and it creates no file: without a lock file no idlebell has
// run here, and the answer is false. An error means it cannot tell (the
// lock file cannot be opened).
func Watching(statePath string) (bool, error) {
	f := flock.New(LockPath(statePath), flock.SetFlag(os.O_RDONLY))
	free, err := f.TryRLock()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("ask the lock %s: %w", LockPath(statePath), err)
	case free:
		f.Close()
		return false, nil
	}
	return true, nil
}
