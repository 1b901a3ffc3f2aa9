package proc

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestCommandRuns(t *testing.T) {
	tests := []struct {
		line  string
		shell Shell
		want  string
	}{
		{"echo hello   world", Auto, "hello world\n"},
		{"printf '%s|' a 'b c' | tr '|' ,", Auto, "a,b c,"},
		{"printf one\nprintf ' two'\n", System, "one two"},
	}
	for _, tc := range tests {
		c, err := Command(context.Background(), tc.line, tc.shell)
		if err != nil {
			t.Fatalf("Command(%q) error %v", tc.line, err)
		}
		var out bytes.Buffer
		c.Stdout = &out
		if err := c.Run(); err != nil || out.String() != tc.want {
			t.Errorf("Command(%q, %v).Run() = %v, output %q, want %q", tc.line, tc.shell, err, out.String(), tc.want)
		}
	}
}

// TestCommandCancelKillsTree: a done context kills the shell and every
// process of its pipeline, not the shell alone.
func TestCommandCancelKillsTree(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := Command(ctx, `echo $$ > "$PIDFILE"; sleep 30 | cat`, System)
	if err != nil {
		t.Fatal(err)
	}
	c.Env = append(os.Environ(), "PIDFILE="+pidFile)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	pid := waitPID(t, pidFile)
	waitFor(t, "the pipeline to start", func() bool { return len(groupMembers(t, pid)) >= 3 })
	cancel()
	if err := c.Wait(); err == nil {
		t.Error("Wait after cancel = nil, want the kill's error")
	}
	if alive := groupMembers(t, pid); len(alive) > 0 {
		t.Errorf("processes of the cancelled command's group %d still running: %v", pid, alive)
	}
}

// TestCommandExitLeavesChildren: what a command leaves running after it
// exits by itself keeps running (a hook's `notify-send … &`).
func TestCommandExitLeavesChildren(t *testing.T) {
	c, err := Command(context.Background(), `sleep 30 >/dev/null & echo $!`, System)
	if err != nil {
		t.Fatal(err)
	}
	out := NewLimitedBuffer(100)
	c.Stdout = out
	err = c.Run()
	pid, _ := strconv.Atoi(strings.TrimSpace(out.String()))
	if pid <= 0 {
		t.Fatalf("Run() = %v, output %q, want the background pid", err, out.String())
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	if err := syscall.Kill(pid, 0); err != nil {
		t.Errorf("the background child %d is gone after its parent exited: %v", pid, err)
	}
}

// TestDetachedOwnGroup: a detached command is the leader of its own
// process group, out of reach of a Ctrl+C in idlebell's terminal.
func TestDetachedOwnGroup(t *testing.T) {
	c, err := Detached("sleep 30", Auto)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Process.Kill(); _ = c.Wait() }()
	pgid, err := syscall.Getpgid(c.Process.Pid)
	if err != nil || pgid != c.Process.Pid {
		t.Errorf("Getpgid(detached %d) = %d, %v, want its own group", c.Process.Pid, pgid, err)
	}
}

func TestCommandErrors(t *testing.T) {
	if _, err := Command(context.Background(), " ", Auto); err != ErrEmpty {
		t.Errorf("Command(blank) error = %v, want ErrEmpty", err)
	}
	c, err := Command(context.Background(), "no-such-program-idlebell --x", Auto)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(); err == nil || !strings.Contains(err.Error(), "executable file not found") {
		t.Errorf("Run(missing program) = %v, want exec's not-found error", err)
	}
}

func TestLimitedBuffer(t *testing.T) {
	b := NewLimitedBuffer(10)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				if n, err := b.Write([]byte("abc")); n != 3 || err != nil {
					t.Errorf("Write = %d, %v, want 3, nil", n, err)
				}
			}
		})
	}
	wg.Wait()
	if got := b.String(); len(got) != 10 || !b.Truncated() {
		t.Errorf("after 1200 bytes: String() = %q (%d bytes), Truncated() = %v, want 10 bytes, true", got, len(got), b.Truncated())
	}
	small := NewLimitedBuffer(10)
	small.Write([]byte("0123456789"))
	if small.Truncated() || small.String() != "0123456789" {
		t.Errorf("exactly Max bytes: %q, Truncated() = %v", small.String(), small.Truncated())
	}
}

func waitPID(t *testing.T, file string) int {
	t.Helper()
	var pid int
	waitFor(t, "the pid file", func() bool {
		b, err := os.ReadFile(file)
		if err != nil || !bytes.HasSuffix(b, []byte("\n")) {
			return false
		}
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return pid > 0
	})
	return pid
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline (never a condition of the test itself).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// groupMembers lists the live (not zombie) processes in process group pgid.
func groupMembers(t *testing.T, pgid int) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
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
			out = append(out, e.Name()+" "+s[:i+1])
		}
	}
	return out
}
