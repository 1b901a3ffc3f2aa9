package settings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func sampleConfig() *Config {
	c := Default()
	c.Notifications.OpenCommand = "thunderbird"
	c.Notifications.MaxBubbles = 5
	w := NewAccount("Work")
	w.Host, w.Username = "imap.example.com", "alice@example.com"
	w.Mailboxes = []string{"INBOX", "Lists/go-nuts"}
	w.TLSFingerprint = "sha256:" + strings.Repeat("AB", 32)
	w.OnNewMail = `notify-send "$IDLEBELL_SUBJECT"`
	w.OnNewMailBatch = "true"
	h := NewAccount("Home Ünicode \"quoted\"")
	h.Host, h.Username, h.Security, h.Port = "127.0.0.1", "bob", "none", 1143
	h.PasswordCommand = "pass show mail/home"
	h.Enabled, h.Notify = false, false
	h.PollInterval, h.HookTimeout = d("90s"), d("5s")
	c.Accounts = []Account{w, h}
	return c
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "idlebell", "config.toml")
	want := sampleConfig()
	if err := Save(path, want); err != nil {
		t.Fatalf("Save() = %v", err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load(saved) = %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(Save(c)) = %+v, want %+v", got, want)
	}
	checkMode(t, path, 0o600)
	checkMode(t, filepath.Dir(path), 0o700|os.ModeDir)
	if _, err := os.Stat(path + ".bak"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("first save made a .bak (%v), want none", err)
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("mode of %s = %v, want %v", path, fi.Mode(), want)
	}
}

func TestSaveKeepsBackup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	hand := "# my notes\n" + minimal
	if err := os.WriteFile(path, []byte(hand), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, sampleConfig()); err != nil {
		t.Fatal(err)
	}
	if bak, _ := os.ReadFile(path + ".bak"); string(bak) != hand {
		t.Errorf(".bak = %q, want the hand-written file %q", bak, hand)
	}
	checkMode(t, path, 0o600)
	checkMode(t, path+".bak", 0o600)
	first, _ := os.ReadFile(path)

	c := sampleConfig()
	c.Accounts = c.Accounts[:1]
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	if bak, _ := os.ReadFile(path + ".bak"); string(bak) != string(first) {
		t.Errorf("second save: .bak = %q, want the first save %q", bak, first)
	}
	if got, err := Load(path); err != nil || len(got.Accounts) != 1 {
		t.Errorf("Load after second save = %+v, %v; want one account", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("dir has %d entries, want config.toml and .bak only (no temp files)", len(entries))
	}
}

func TestSaveRefusesInvalid(t *testing.T) {
	path := writeConfig(t, minimal)
	before, _ := os.Stat(path)
	c := sampleConfig()
	c.Accounts[1].Name = "Work"
	err := Save(path, c)
	var e *Error
	if !errors.As(err, &e) || e.Path != path || len(e.Problems) != 1 || e.Problems[0].Field != "name" {
		t.Errorf("Save(invalid) = %v, want an *Error naming the duplicate name", err)
	}
	assertUntouched(t, path, []byte(minimal), before)
}

func TestSaveThroughSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "idlebell.toml")
	os.MkdirAll(filepath.Dir(target), 0o700)
	os.WriteFile(target, []byte(minimal), 0o600)
	link := filepath.Join(dir, "config.toml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := Save(link, sampleConfig()); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("Save replaced the symlink %s (%v)", link, err)
	}
	if got, err := Load(link); err != nil || len(got.Accounts) != 2 {
		t.Errorf("Load(link) = %+v, %v, want the saved config", got, err)
	}
}

// childSaveLoop saves two configs alternately forever, printing a line after
// each save, until it is killed.
func childSaveLoop(path string) error {
	a, b := sampleConfig(), sampleConfig()
	b.Accounts = b.Accounts[:1]
	for i := 0; ; i++ {
		c := a
		if i%2 == 1 {
			c = b
		}
		if err := Save(path, c); err != nil {
			return err
		}
		fmt.Println("saved", i)
	}
}

// TestSaveAtomicUnderKill: a process killed while saving leaves the old or
// the new file, never a mix.
func TestSaveAtomicUnderKill(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL")
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	a, b := sampleConfig(), sampleConfig()
	b.Accounts = b.Accounts[:1]
	for round := range 10 {
		cmd, out := startChild(t, "save-loop", "IDLEBELL_SETTINGS_PATH="+path)
		readLines(t, out, 3+round*7) // kill at a different point each round
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		got, err := Load(path)
		if err != nil {
			t.Fatalf("round %d: Load after SIGKILL = %v", round, err)
		}
		if !reflect.DeepEqual(got, a) && !reflect.DeepEqual(got, b) {
			t.Fatalf("round %d: Load after SIGKILL = %+v, want one of the two saved configs", round, got)
		}
		if _, err := Load(path + ".bak"); err != nil {
			t.Fatalf("round %d: Load(.bak) after SIGKILL = %v", round, err)
		}
	}
}

func TestSaveRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	stale := []string{filepath.Join(dir, ".config.toml.tmp-123"), filepath.Join(dir, "config.toml.bak.tmp-456")}
	fresh := filepath.Join(dir, ".config.toml.tmp-789")
	old := time.Now().Add(-time.Hour)
	for _, p := range append(stale, fresh) {
		os.WriteFile(p, []byte("half"), 0o600)
	}
	for _, p := range stale {
		os.Chtimes(p, old, old)
	}
	if err := Save(path, sampleConfig()); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale temp %s still there (%v)", p, err)
		}
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp %s removed: %v", fresh, err)
	}
}
