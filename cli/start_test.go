package cli

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"idlebell/i18n/i18ntest"
)

func TestNewLogger(t *testing.T) {
	tests := []struct {
		format, level string
		wantErr       string
		want          string // what logger.Info("x") and Debug("y") write
	}{
		{"text", "info", "", "level=INFO msg=x\n"},
		{"json", "debug", "", `"msg":"y"`},
		{"text", "loud", `--log-level "loud": want debug, info, warn or error`, ""},
		{"yaml", "info", `--log-format "yaml": want text or json`, ""},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		l, err := NewLogger(&b, tt.format, tt.level)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("NewLogger(%q, %q) error = %v, want %q", tt.format, tt.level, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		l.Info("x")
		l.Debug("y")
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("NewLogger(%q, %q) wrote %q, want it to contain %q", tt.format, tt.level, b.String(), tt.want)
		}
	}
}

func TestVersion(t *testing.T) {
	re := regexp.MustCompile(`^idlebell 1\.2\.3 \(commit (abc1234|unknown|[0-9a-f]{40}), go1\.\d+`)
	for _, commit := range []string{"abc1234", ""} {
		got := Version("1.2.3", commit)
		if !re.MatchString(got) || (commit != "" && !strings.Contains(got, commit)) {
			t.Errorf("Version(%q, %q) = %q", "1.2.3", commit, got)
		}
	}
}

// TestStartConfig: a first run of the tray (no file) starts with the default
// config; a file without accounts is no first run; headless refuses to run
// without a usable file; the tray keeps an invalid one's error to show.
func TestStartConfig(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.toml")
	invalid := writeFile(t, "[[account]]\nname = \"\"\n")
	good := writeFile(t, "[[account]]\nname = \"W\"\nhost = \"h\"\nusername = \"u\"\n")
	empty := writeFile(t, "[notifications]\npreview = true\n")
	tests := []struct {
		name       string
		path       string
		headless   bool
		accounts   int // -1: no config
		cfgErr     bool
		firstRun   bool
		code       int
		wantStderr string
	}{
		{"first run of the tray", missing, false, 0, false, true, 0, ""},
		{"tray with a file without accounts", empty, false, 0, false, false, 0, ""},
		{"headless without a file", missing, true, -1, false, false, 2, "idlebell: no config file at " + missing},
		{"tray with an invalid file", invalid, false, -1, true, false, 0, ""},
		{"headless with an invalid file", invalid, true, -1, false, false, 2, "idlebell: " + invalid + ":"},
		{"good file", good, true, 1, false, false, 0, ""},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		cfg, cfgErr, path, firstRun, code := StartConfig(tt.path, tt.headless, &stderr, slog.New(slog.DiscardHandler))
		n := -1
		if cfg != nil {
			n = len(cfg.Accounts)
		}
		if n != tt.accounts || (cfgErr != nil) != tt.cfgErr || firstRun != tt.firstRun || code != tt.code || path != tt.path || !strings.Contains(stderr.String(), tt.wantStderr) {
			t.Errorf("%s: StartConfig = %d accounts, %v, %q, first run %v, %d, stderr %q", tt.name, n, cfgErr, path, firstRun, code, stderr.String())
		}
	}
}

// TestStartState: the state file under the one-process lock; a second
// idlebell on it gets status 3 and is told, in the user's language, the
// holder's PID, the lock file, how to stop the holder and how to run
// beside it.
func TestStartState(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	logger := slog.New(slog.DiscardHandler)
	store, release, code, _ := StartState(io.Discard, logger)
	if store == nil || code != 0 {
		t.Fatalf("StartState() = %v, %d; want a store and 0", store, code)
	}
	lockFile := filepath.Join(dir, "idlebell", "state.json.lock")
	for _, c := range []struct{ locale, running, stop string }{
		{"C.UTF-8", "idlebell is already running (PID ", "stop it first"},
		{"de_DE.UTF-8", "idlebell läuft schon (PID ", "beenden Sie"},
	} {
		i18ntest.Use(t, c.locale)
		var stderr bytes.Buffer
		store2, _, code, locked := StartState(&stderr, logger)
		msg := stderr.String()
		if store2 != nil || code != 3 || locked == nil {
			t.Errorf("%s: second StartState() = %v, %d, %v; want nil, 3 and the lock's error", c.locale, store2, code, locked)
		}
		for _, want := range []string{c.running + strconv.Itoa(os.Getpid()) + ")", lockFile, c.stop, "XDG_STATE_HOME="} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: second StartState() said %q, want %q in it", c.locale, msg, want)
			}
		}
	}
	release()
	if _, release, code, _ := StartState(io.Discard, logger); code != 0 {
		t.Errorf("StartState() after release = %d, want 0", code)
	} else {
		release()
	}
}
