package cli

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"idlebell/i18n/i18ntest"
)

// TestConfigUnreadable: a folder where the config file should be is said
// as what it is, with its path, in the user's language, by check, login,
// headless and the settings window (exit status 2: a config that cannot
// be used); never as a network failure, and the folder is not touched.
func TestConfigUnreadable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config.toml")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ locale, sentence, hint, title string }{
		{"C.UTF-8", "the config file " + dir + " is a folder. Move the folder away", "--config", "idlebell can't read its config file."},
		{"de_DE.UTF-8", "die Konfigurationsdatei " + dir + " ist ein Ordner. Verschieben Sie den Ordner", "--config", "idlebell kann seine Konfigurationsdatei nicht lesen."},
	} {
		i18ntest.Use(t, c.locale)
		for _, args := range [][]string{{"check", "--config", dir}, {"login", "--config", dir, "Gmail"}} {
			code, stdout, stderr := run(t, Env{Secrets: passwords{}}, args...)
			want := "idlebell " + args[0] + ": " + c.sentence
			if code != exitUsage || stdout != "" || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, c.hint) {
				t.Errorf("%s: idlebell %q = %d, stdout %q, stderr %q; want 2 and %q", c.locale, args, code, stdout, stderr, want)
			}
		}
		var stderr bytes.Buffer
		cfg, cfgErr, _, firstRun, code := StartConfig(dir, true, &stderr, slog.New(slog.DiscardHandler))
		if cfg != nil || code != exitUsage || firstRun || !strings.HasPrefix(stderr.String(), "idlebell: "+c.sentence) {
			t.Errorf("%s: headless StartConfig(folder) = %v, %v, first run %v, %d, stderr %q", c.locale, cfg, cfgErr, firstRun, code, stderr.String())
		}
		cfg, cfgErr, _, firstRun, code = StartConfig(dir, false, &stderr, slog.New(slog.DiscardHandler))
		if cfg != nil || cfgErr == nil || firstRun || code != exitOK {
			t.Errorf("%s: tray StartConfig(folder) = %v, %v, first run %v, %d: want the error kept for the tray, no first run", c.locale, cfg, cfgErr, firstRun, code)
		}
		var w SettingsWindow
		env := Env{Secrets: passwords{}, Settings: func(_ context.Context, got SettingsWindow) int { w = got; return 2 }}
		if code, _, _ := run(t, env, "settings", "--config", dir); code != 2 || w.ProblemTitle != c.title || !strings.HasPrefix(w.Problem, c.sentence) {
			t.Errorf("%s: settings window for a folder: %d, title %q, problem %q", c.locale, code, w.ProblemTitle, w.Problem)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the folder now holds %v (%v)", entries, err)
	}
}
