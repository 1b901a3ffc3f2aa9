package settings

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestSecretNeverWritten drives every path that handles a password (keyring,
// password_command success and failure, config save with a password typed in
// the wrong place, state) and then greps every file written, every error and
// all log output for it.
func TestSecretNeverWritten(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	const secret = "Tr0ub4dor-idlebell-grep-me"
	mockKeyring(t)
	root := t.TempDir()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	// The password comes from scripts outside root, so no command line holds it.
	bin := t.TempDir()
	good := filepath.Join(bin, "pw-good")
	bad := filepath.Join(bin, "pw-bad")
	os.WriteFile(good, []byte("#!/bin/sh\necho '"+secret+"'\n"), 0o700)
	os.WriteFile(bad, []byte("#!/bin/sh\necho '"+secret+"'\necho 'agent refused' >&2\nexit 1\n"), 0o700)

	k := Keyring()
	check(k.Set("Work", secret))
	cfgPath := filepath.Join(root, "config", "config.toml")
	cfg := Default()
	work := NewAccount("Work")
	work.Host, work.Username = "imap.example.com", "alice"
	home := NewAccount("Home")
	home.Host, home.Username, home.PasswordCommand = "imap.example.org", "bob", good
	broken := NewAccount("Broken")
	broken.Host, broken.Username, broken.PasswordCommand = "imap.example.net", "carol", bad
	cfg.Accounts = []Account{work, home, broken}
	check(Save(cfgPath, cfg))
	check(Save(cfgPath, cfg)) // and a .bak

	for _, a := range cfg.Accounts {
		pw, err := PasswordFor(a, k)(context.Background())
		check(err)
		logger.Info("got password", "account", a.Name, "len", len(pw), "err", err)
		if a.Name != "Broken" && pw != secret {
			t.Errorf("PasswordFor(%s)() = %q, want the secret", a.Name, pw)
		}
	}
	check(k.Rename("Work", "Job"))
	_, err := k.Get(context.Background(), "Work")
	check(err)
	logger.Warn("get failed", "err", err)

	// A password typed into the config by hand is refused without echoing it.
	handPath := filepath.Join(root, "config", "hand.toml")
	os.WriteFile(handPath, []byte(minimal+"password = \""+secret+"\"\n"), 0o600)
	_, err = Load(handPath)
	check(err)
	os.Remove(handPath) // the user wrote it, not us

	st, _ := OpenState(filepath.Join(root, "state", "state.json"), logger)
	st.Save("Job", "INBOX", 1, 2)
	check(st.Close())

	if len(errs) < 3 {
		t.Fatalf("expected failures to check, got %d: %v", len(errs), errs)
	}
	for _, err := range errs {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains the password", err)
		}
		for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), secret) {
				t.Errorf("wrapped error %q contains the password", e)
			}
		}
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("log output contains the password:\n%s", logs.String())
	}
	files := 0
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, _ := os.ReadFile(path)
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s contains the password", path)
		}
		return nil
	})
	if files < 3 {
		t.Errorf("grepped %d files, want config, .bak and state at least", files)
	}
}
