package hooks

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"idlebell/imapwatch"
	"idlebell/settings"
)

// newTestRunner returns a Runner for one config whose finished runs arrive
// on the returned channel, and its log.
func newTestRunner(t *testing.T, accounts ...settings.Account) (*Runner, <-chan Result, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	r := New(slog.New(slog.NewTextHandler(logs, nil)))
	done := make(chan Result, 1000)
	r.onDone = func(res Result) { done <- res }
	r.Configure(&settings.Config{Accounts: accounts})
	t.Cleanup(r.Close)
	return r, done, logs
}

func waitResult(t *testing.T, done <-chan Result, timeout time.Duration) Result {
	t.Helper()
	select {
	case res := <-done:
		return res
	case <-time.After(timeout):
		t.Fatalf("no hook finished within %s", timeout)
		return Result{}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func account(name, onNewMail, onBatch string, timeout time.Duration) settings.Account {
	return settings.Account{Name: name, Enabled: true, OnNewMail: onNewMail, OnNewMailBatch: onBatch,
		HookTimeout: settings.Duration{Duration: timeout}}
}

func mail(account string, uid uint32, subject string) *imapwatch.NewMail {
	return &imapwatch.NewMail{
		Account: account, Mailbox: "INBOX", UID: uid, UIDValidity: 7,
		MessageID: "m" + strconv.Itoa(int(uid)) + "@example.org",
		FromName:  "Jürgen Ñandú", FromAddress: "j@example.org", Subject: subject,
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestHookEnvironment(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "env")
	r, done, _ := newTestRunner(t, account("Work", `env | grep '^IDLEBELL_' | sort > "$OUT"`, "", 10*time.Second))
	t.Setenv("OUT", out)
	t.Setenv("IDLEBELL_COUNT", "stale") // inherited IDLEBELL_* variables are not passed on
	m := mail("Work", 42, "Grüße aus Köln")
	m.CatchUp = true
	r.Handle(m)
	res := waitResult(t, done, 10*time.Second)
	if res.Err != nil || res.ExitCode != 0 {
		t.Fatalf("hook = exit %d, %v, output %q; want exit 0", res.ExitCode, res.Err, res.Output)
	}
	got := readLines(t, out)
	want := []string{
		"IDLEBELL_ACCOUNT=Work",
		"IDLEBELL_CATCH_UP=true",
		"IDLEBELL_FROM=Jürgen Ñandú",
		"IDLEBELL_FROM_ADDRESS=j@example.org",
		"IDLEBELL_MAILBOX=INBOX",
		"IDLEBELL_MESSAGE_ID=<m42@example.org>",
		"IDLEBELL_SUBJECT=Grüße aus Köln",
		"IDLEBELL_UID=42",
		"IDLEBELL_UIDVALIDITY=7",
	}
	if !slices.Equal(got, want) {
		t.Errorf("hook environment = %q, want %q", got, want)
	}
}

func TestHookSubjectIsInert(t *testing.T) {
	dir := t.TempDir()
	pwned := filepath.Join(dir, "pwned")
	pwned2 := filepath.Join(dir, "pwned2")
	out := filepath.Join(dir, "subjects")
	t.Setenv("OUT", out)
	// A hook as a user would write it: the variable quoted.
	r, done, _ := newTestRunner(t, account("Work", `printf '%s\n' "$IDLEBELL_SUBJECT" >> "$OUT"; echo $IDLEBELL_FROM`, "", 10*time.Second))
	subjects := []string{
		"$(touch " + pwned + ")",
		"`touch " + pwned2 + "`",
		"'; touch " + pwned + "; '",
		`"; touch ` + pwned + `; "`,
	}
	for i, s := range subjects {
		m := mail("Work", uint32(i+1), s)
		m.FromName = "$(touch " + pwned + ")" // unquoted in the hook: still only word-split
		r.Handle(m)
	}
	for range subjects {
		if res := waitResult(t, done, 10*time.Second); res.Err != nil {
			t.Fatalf("hook failed: %v: %s", res.Err, res.Output)
		}
	}
	for _, f := range []string{pwned, pwned2} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s exists: a subject was executed", f)
		}
	}
	if got := readLines(t, out); !slices.Equal(got, subjects) {
		t.Errorf("subjects seen by the hook = %q, want %q", got, subjects)
	}
}

func TestHookOrderPerAccount(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DIR", dir)
	// The random delay would reorder runs that were not serialised.
	hook := `sleep 0.0$(( $(od -An -N1 -tu1 /dev/urandom) % 5 )); echo "$IDLEBELL_UID" >> "$DIR/$IDLEBELL_ACCOUNT"`
	r, done, _ := newTestRunner(t, account("A", hook, "", 10*time.Second), account("B", hook, "", 10*time.Second))
	const n = 20
	var want []string
	for i := 1; i <= n; i++ {
		r.Handle(mail("A", uint32(i), "a"))
		r.Handle(mail("B", uint32(1000+i), "b"))
		want = append(want, strconv.Itoa(i))
	}
	for range 2 * n {
		if res := waitResult(t, done, 20*time.Second); res.Err != nil {
			t.Fatalf("hook failed: %v: %s", res.Err, res.Output)
		}
	}
	if got := readLines(t, filepath.Join(dir, "A")); !slices.Equal(got, want) {
		t.Errorf("order of account A's hooks = %q, want %q", got, want)
	}
	if got := readLines(t, filepath.Join(dir, "B")); len(got) != n {
		t.Errorf("account B ran %d hooks, want %d", len(got), n)
	}
}

func TestHookTimeoutKillsGroupAndNextRuns(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DIR", dir)
	// UID 1 hangs in a pipeline (sh, sleep and cat must all die); UID 2 is quick.
	hook := `if [ "$IDLEBELL_UID" = 1 ]; then echo $$ > "$DIR/pgid"; sleep 30 | cat; fi; echo ran >> "$DIR/ran.$IDLEBELL_UID"`
	r, done, _ := newTestRunner(t, account("Work", hook, "", time.Second))
	start := time.Now()
	r.Handle(mail("Work", 1, "hang"))
	r.Handle(mail("Work", 2, "quick"))
	first := waitResult(t, done, 10*time.Second)
	if !first.TimedOut {
		t.Fatalf("hanging hook: TimedOut = false (err %v), want true", first.Err)
	}
	if first.Duration < time.Second {
		t.Errorf("hanging hook killed after %s, before its 1s timeout", first.Duration)
	}
	second := waitResult(t, done, 10*time.Second)
	if second.Err != nil || second.Env[2] != "IDLEBELL_UID=2" {
		t.Fatalf("hook after the timeout = %v, %q; want UID 2 to succeed", second.Err, second.Env)
	}
	t.Logf("timeout (1s) to the next hook done: %s", time.Since(start))
	if _, err := os.Stat(filepath.Join(dir, "ran.1")); err == nil {
		t.Error("the timed-out hook went on after its timeout")
	}
	b, err := os.ReadFile(filepath.Join(dir, "pgid"))
	if err != nil {
		t.Fatal(err)
	}
	pgid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if alive := groupMembers(t, pgid); len(alive) > 0 {
		t.Errorf("processes of the killed hook's group %d still running: %v", pgid, alive)
	}
}

// groupMembers lists the live (not zombie) processes in process group pgid.
func groupMembers(t *testing.T, pgid int) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
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

func TestHookBatch(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DIR", dir)
	r, done, _ := newTestRunner(t, account("Work", `echo "mail $IDLEBELL_UID" >> "$DIR/log"`,
		`echo "batch $IDLEBELL_COUNT $IDLEBELL_CATCH_UP $IDLEBELL_MAILBOX" >> "$DIR/log"`, 10*time.Second))
	r.Handle(mail("Work", 1, "a"))
	r.Handle(mail("Work", 2, "b"))
	r.Handle(&imapwatch.Batch{Account: "Work", Mailbox: "INBOX", Count: 2})
	r.Handle(&imapwatch.StateChange{Account: "Work", Mailbox: "INBOX", State: imapwatch.StateIdle})
	r.Handle(&imapwatch.Unseen{Account: "Work", Mailbox: "INBOX", Count: 2})
	for range 3 {
		waitResult(t, done, 10*time.Second)
	}
	want := []string{"mail 1", "mail 2", "batch 2 false INBOX"}
	if got := readLines(t, filepath.Join(dir, "log")); !slices.Equal(got, want) {
		t.Errorf("runs = %q, want %q", got, want)
	}
	select {
	case res := <-done:
		t.Errorf("unexpected run for a state or unseen event: %+v", res)
	default:
	}
}

func TestHookFailureIsLogged(t *testing.T) {
	r, done, logs := newTestRunner(t, account("Work", `echo "out: $IDLEBELL_UID"; echo oops >&2; exit 3`, "", 10*time.Second))
	r.Handle(mail("Work", 9, "x"))
	res := waitResult(t, done, 10*time.Second)
	if res.ExitCode != 3 {
		t.Errorf("exit code = %d, want 3", res.ExitCode)
	}
	for _, want := range []string{`msg="hook failed"`, "account=Work", "hook=on_new_mail", "uid=9", "exit_code=3", `output="out: 9\noops"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

// TestHandleDoesNotBlockAndCloseKills: Handle never waits for a running
// hook, and Close kills one rather than waiting for it. The hook runs for
// ten minutes unless killed, so either wait below would end only by its
// deadline if the code waited for the hook. (How fast is make bench's
// business, not this test's.)
func TestHandleDoesNotBlockAndCloseKills(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	r, _, logs := newTestRunner(t, account("Work", "echo $$ > "+pidFile+"; exec sleep 600", "", 20*time.Minute))
	handled := make(chan struct{})
	go func() {
		defer close(handled)
		for i := range 200 {
			r.Handle(mail("Work", uint32(i+1), "x"))
		}
	}()
	waitClosed(t, handled, "200 Handle calls behind a running hook")
	pid := waitPID(t, pidFile)
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		r.Close()
	}()
	waitClosed(t, closed, "Close with a running hook")
	if p, err := os.FindProcess(pid); err == nil && p.Signal(syscall.Signal(0)) == nil {
		t.Errorf("the running hook (PID %d) is still there after Close", pid)
	}
	// 199 queued behind the running one.
	if l := logs.String(); !strings.Contains(l, `msg="hooks not run: shutting down" count=199`) {
		t.Errorf("log lacks the dropped runs:\n%s", l)
	}
	r.Handle(mail("Work", 999, "after close")) // must not panic or start anything
}

// waitClosed waits for ch to close; the deadline only turns a hang into a
// failure.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(time.Minute):
		t.Fatalf("%s: still blocked after a minute", what)
	}
}

// waitPID waits until the hook has written its PID.
func waitPID(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hook wrote no PID to %s within a minute", path)
		}
		<-time.After(10 * time.Millisecond)
	}
}

func TestNoHookConfigured(t *testing.T) {
	r, done, _ := newTestRunner(t, settings.Account{Name: "Work"})
	r.Handle(mail("Work", 1, "x"))
	r.Handle(mail("Other", 1, "x"))
	r.Close()
	select {
	case res := <-done:
		t.Errorf("ran %+v without a configured hook", res)
	default:
	}
}
