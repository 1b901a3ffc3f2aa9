package settings

import (
	"context"
	"errors"
	"os"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

type reload struct {
	cfg *Config
	err error
}

// startWatch runs Watch on path until the test ends and returns its reloads.
func startWatch(t *testing.T, path string) <-chan reload {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan reload, 16)
	done := make(chan error, 1)
	go func() {
		done <- watch(ctx, path, 20*time.Millisecond, func(c *Config, err error) { got <- reload{c, err} })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Watch() = %v, want nil after cancel", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Watch did not return within 10s of cancel")
		}
	})
	return got
}

func nextReload(t *testing.T, got <-chan reload) reload {
	t.Helper()
	select {
	case r := <-got:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no reload within 10s")
	}
	return reload{}
}

// replaceFile writes like an editor: a temp file renamed over the original.
func replaceFile(t *testing.T, path, text string) {
	t.Helper()
	tmp := path + ".swp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

const twoAccounts = `
[[account]]
name = "A"
host = "a.example.com"
username = "a"

[[account]]
name = "B"
host = "b.example.com"
username = "b"
`

// TestWatchReloadsOneChangedAccount: an edit to one account on disk is
// delivered whole: the changed account changed, the other is as it was.
func TestWatchReloadsOneChangedAccount(t *testing.T) {
	path := writeConfig(t, twoAccounts)
	old, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := startWatch(t, path)
	waitWatching(t, path, twoAccounts, got)

	replaceFile(t, path, strings.Replace(twoAccounts, `host = "b.example.com"`, "host = \"b.example.com\"\nport = 1993", 1))
	r := nextReload(t, got)
	if r.err != nil {
		t.Fatalf("reload error = %v", r.err)
	}
	if len(r.cfg.Accounts) != 2 || !reflect.DeepEqual(r.cfg.Accounts[0], old.Accounts[0]) || r.cfg.Accounts[1].Port != 1993 {
		t.Errorf("reloaded accounts = %+v, want A as before and B on port 1993", r.cfg.Accounts)
	}
}

// waitWatching rewrites the file until Watch reports it, so the test does
// not race the watch's setup; it ends with content in place and every
// reload up to it consumed. Content must not set [notifications].
func waitWatching(t *testing.T, path, content string, got <-chan reload) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	seen := false
	for i := 0; !seen; i++ {
		replaceFile(t, path, content+"\n[notifications]\nopen_command = \"wait-"+itoa(i)+"\"\n")
		select {
		case r := <-got:
			if r.err != nil {
				t.Fatalf("initial reload: %v", r.err)
			}
			seen = true
		case <-tick.C:
		case <-deadline:
			t.Fatal("Watch never reported a change")
		}
	}
	replaceFile(t, path, content)
	for {
		if r := nextReload(t, got); r.err == nil && r.cfg.Notifications.OpenCommand == "" {
			return
		}
	}
}

func TestWatchInvalidEdit(t *testing.T) {
	path := writeConfig(t, twoAccounts)
	got := startWatch(t, path)
	waitWatching(t, path, twoAccounts, got)

	replaceFile(t, path, twoAccounts+"mailbox = [\"INBOX\"]\n")
	r := nextReload(t, got)
	var e *Error
	if r.cfg != nil || !errors.As(r.err, &e) || !strings.Contains(r.err.Error(), `unknown key "mailbox"`) {
		t.Fatalf("reload of an invalid edit = %+v, %v, want nil and the *Error", r.cfg, r.err)
	}
	// The invalid file is left alone.
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "mailbox = ") {
		t.Errorf("file was changed after an invalid edit")
	}

	// Fixing it reloads again; deleting it reports ErrNotExist.
	replaceFile(t, path, twoAccounts)
	if r := nextReload(t, got); r.err != nil || len(r.cfg.Accounts) != 2 {
		t.Errorf("reload after fix = %+v, %v", r.cfg, r.err)
	}
	os.Remove(path)
	if r := nextReload(t, got); !errors.Is(r.err, os.ErrNotExist) {
		t.Errorf("reload after delete = %v, want ErrNotExist", r.err)
	}
}

func TestWatchSkipsIdenticalContent(t *testing.T) {
	path := writeConfig(t, twoAccounts)
	got := startWatch(t, path)
	waitWatching(t, path, twoAccounts, got)
	// Same bytes (a Save of the running config, touch): nothing; then a real
	// change comes through, proving the first was skipped and not delayed.
	replaceFile(t, path, twoAccounts)
	replaceFile(t, path, twoAccounts+"\n# changed\n")
	r := nextReload(t, got)
	if r.err != nil {
		t.Fatal(r.err)
	}
	select {
	case r := <-got:
		t.Errorf("extra reload %+v", r)
	default:
	}
}

func TestWatchSIGHUP(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGHUP")
	}
	path := writeConfig(t, twoAccounts)
	got := startWatch(t, path)
	waitWatching(t, path, twoAccounts, got)
	// Unchanged content still reloads on SIGHUP: the user asked.
	deadline := time.After(10 * time.Second)
	for {
		if self, err := os.FindProcess(os.Getpid()); err == nil {
			self.Signal(syscall.SIGHUP)
		}
		select {
		case r := <-got:
			if r.err != nil || len(r.cfg.Accounts) != 2 {
				t.Errorf("reload on SIGHUP = %+v, %v", r.cfg, r.err)
			}
			return
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("no reload on SIGHUP within 10s")
		}
	}
}
