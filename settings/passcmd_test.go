package settings

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunPasswordCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	script := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(script, []byte("#!/bin/sh\nprintf 'line one\\r\\nline two\\n'\n"), 0o700)
	tests := []struct{ command, want string }{
		{"echo hunter2", "hunter2"},
		{"printf 'a b\\nsecond\\n'", "a b"},
		{"printf nonewline", "nonewline"},
		{"echo first | tr a-z A-Z", "FIRST"},
		{script, "line one"},
		{"  echo   spaced  ", "spaced"},
	}
	for _, tc := range tests {
		got, err := RunPasswordCommand(context.Background(), tc.command)
		if err != nil || got != tc.want {
			t.Errorf("RunPasswordCommand(%q) = %q, %v, want %q", tc.command, got, err, tc.want)
		}
	}
}

func TestRunPasswordCommandFailures(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	tests := []struct{ name, command, want string }{
		{"exit status with stderr", "echo the-secret-stdout; echo 'gpg: decryption failed: No secret key' >&2; exit 3",
			"password_command failed: echo exited with status 3: gpg: decryption failed: No secret key"},
		{"exit status, no stderr", "false", "password_command failed: false exited with status 1"},
		{"not found", "no-such-program-idlebell --x", `password_command failed: program "no-such-program-idlebell" not found: check password_command and PATH`},
		{"empty output", "true", "password_command failed: true printed nothing on its first line: it must print the password there"},
		{"empty first line", "printf '\\nsecond'", "password_command failed: printf printed nothing on its first line: it must print the password there"},
		{"empty command", "  ", "password_command failed: the command is empty"},
		{"multi-line stderr", "printf 'a\\nb\\n' >&2; exit 2", "password_command failed: printf exited with status 2: a | b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RunPasswordCommand(context.Background(), tc.command)
			if !errors.Is(err, ErrPasswordCommand) || err.Error() != tc.want {
				t.Errorf("RunPasswordCommand(%q) = %v, want %q", tc.command, err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "the-secret-stdout") {
				t.Errorf("error %q contains the command's stdout", err)
			}
		})
	}
}

func TestRunPasswordCommandTimeout(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	// The grandchild holds stdout open for ten minutes: the process-group
	// kill and WaitDelay must still end the call, and the grandchild with
	// it. (How soon is for make bench; the deadline below only turns a hang
	// into a failure.)
	pidFile := filepath.Join(t.TempDir(), "pid")
	type result struct {
		pw  string
		err error
	}
	done := make(chan result, 1)
	go func() {
		pw, err := runPasswordCommand(context.Background(), "echo waiting >&2; sleep 600 & echo $! > "+pidFile+"; sleep 600", 300*time.Millisecond)
		done <- result{pw, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(time.Minute):
		t.Fatal("runPasswordCommand still running a minute after its 300ms timeout")
	}
	if !errors.Is(r.err, ErrPasswordCommand) || !strings.Contains(r.err.Error(), "did not finish within 300ms") ||
		!strings.HasSuffix(r.err.Error(), ": waiting") {
		t.Errorf("runPasswordCommand(sleep) = %q, %v, want a timeout error with stderr", r.pw, r.err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if !waitGone(pid) {
		t.Errorf("the grandchild (PID %d) outlived the timeout by a minute", pid)
	}
	if PasswordCommandTimeout != 10*time.Second {
		t.Errorf("PasswordCommandTimeout = %v, want 10s", PasswordCommandTimeout)
	}
}

func TestProgramName(t *testing.T) {
	tests := []struct{ command, want string }{
		{"pass show mail/work", "pass"},
		{"  gpg -d pw.gpg | head -1", "gpg"},
		{`"C:\Program Files\KeePassXC\keepassxc-cli.exe" show -q db.kdbx work`, `C:\Program Files\KeePassXC\keepassxc-cli.exe`},
		{`'/opt/my tools/pw' --account work`, "/opt/my tools/pw"},
		{`"unclosed quote`, "unclosed"},
	}
	for _, tc := range tests {
		if got := programName(tc.command); got != tc.want {
			t.Errorf("programName(%q) = %q, want %q", tc.command, got, tc.want)
		}
	}
}

// waitGone waits until the process pid has ended (it may stay a zombie
// until init reaps it); the minute's deadline only turns a hang into false.
func waitGone(pid int) bool {
	deadline := time.Now().Add(time.Minute)
	for pid > 0 {
		p, err := os.FindProcess(pid)
		if err != nil || p.Signal(syscall.Signal(0)) != nil {
			return true
		}
		if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
			if i := strings.LastIndexByte(string(stat), ')'); i > 0 && strings.HasPrefix(string(stat[i+1:]), " Z") {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		<-time.After(10 * time.Millisecond)
	}
	return false
}
