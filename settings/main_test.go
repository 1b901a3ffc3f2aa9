package settings

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// childEnv selects a child-process mode of the test binary. Children exist
// because some things are per process: go-keyring's MockInit replaces the
// provider for good, godbus caches the session bus connection, and a
// SIGKILL must hit something other than the test runner.
const childEnv = "IDLEBELL_SETTINGS_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

func runChild(mode string) int {
	var err error
	switch mode {
	case "save-loop":
		err = childSaveLoop(os.Getenv("IDLEBELL_SETTINGS_PATH"))
	case "state-loop":
		err = childStateLoop(os.Getenv("IDLEBELL_SETTINGS_PATH"))
	case "lock-hold":
		err = childLockHold(os.Getenv("IDLEBELL_SETTINGS_PATH"))
	case "keyring-real":
		err = childKeyringReal()
	case "keyring-locked":
		err = childKeyringLocked()
	case "keyring-missing":
		err = childKeyringMissing()
	default:
		err = fmt.Errorf("unknown child mode %q", mode)
	}
	if err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	fmt.Println("PASS")
	return 0
}

// startChild re-execs the test binary in mode with extra environment, and
// returns it with its stdout as a line reader.
func startChild(t *testing.T, mode string, env ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + mode}, env...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child %s: %v", mode, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, bufio.NewScanner(out)
}

// runChildMode runs a child to completion and returns its output.
func runChildMode(t *testing.T, mode string, env ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + mode}, env...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// readLines waits, with a deadline, until the child printed n lines.
func readLines(t *testing.T, sc *bufio.Scanner, n int) []string {
	t.Helper()
	type res struct {
		lines []string
		err   error
	}
	done := make(chan res, 1)
	go func() {
		var lines []string
		for len(lines) < n && sc.Scan() {
			lines = append(lines, sc.Text())
		}
		err := sc.Err()
		if err == nil && len(lines) < n {
			err = io.ErrUnexpectedEOF
		}
		done <- res{lines, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("child output after %d lines: %v (%q)", len(r.lines), r.err, r.lines)
		}
		return r.lines
	case <-time.After(30 * time.Second):
		t.Fatalf("child printed fewer than %d lines in 30s", n)
	}
	return nil
}

// servicesRequired reports IDLEBELL_TEST_SERVICES=1: make test's session has
// the real D-Bus services, and a test that cannot use them must fail.
func servicesRequired() bool { return os.Getenv("IDLEBELL_TEST_SERVICES") == "1" }

// needServices skips without the make-test session and fails when it
// should be there but is not usable.
func needServices(t *testing.T, why string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if servicesRequired() {
		t.Fatalf("IDLEBELL_TEST_SERVICES=1 but %s: %v", why, err)
	}
	t.Skipf("%s (%v); set IDLEBELL_TEST_SERVICES=1 in the make test session", why, err)
}

func itoa(n int) string { return strconv.Itoa(n) }
