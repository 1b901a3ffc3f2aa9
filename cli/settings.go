package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"idlebell/i18n"
	"idlebell/settings"
)

var settingsUsage = i18n.Mark(`Usage: idlebell settings [--config PATH] [--account NAME | --add] [--about] [--demo]

The settings window (or About) as a process of its own: the tray app starts
it for Settings… and About. It needs no lock and no watcher, and ends when
its last window closes.

Flags:
`)

// SettingsWindow is what `idlebell settings` opens: the config it edits
// (Path "" with Demo: read-only) and which window.
type SettingsWindow struct {
	Path    string
	Config  *settings.Config
	Secrets settings.Secrets
	Account string // open this account's settings
	Add     bool   // open the Add an account dialog
	About   bool   // the About window instead
	Demo    bool
	// Problem: the config could not be used; ProblemTitle says so in a
	// line, Problem what is wrong. Shown instead of the form.
	Problem, ProblemTitle string
	Logger                *slog.Logger
}

// settingsCmd is `idlebell settings`: it reads the config and hands the
// window to env.Settings, which shows it until the last window closes.
func settingsCmd(env Env, args []string) int {
	var w SettingsWindow
	fset := newFlags(env, "settings", settingsUsage)
	configPath := fset.String("config", "", i18n.T("read the config file `PATH` instead of idlebell/config.toml in the user config dir"))
	fset.StringVar(&w.Account, "account", "", i18n.T("open the settings of the account `NAME`"))
	fset.BoolVar(&w.Add, "add", false, i18n.T("open the dialog that adds an account"))
	fset.BoolVar(&w.About, "about", false, i18n.T("open the About window"))
	fset.BoolVar(&w.Demo, "demo", false, i18n.T("show the demo's settings, read-only"))
	demoPort := fset.Int("demo-port", 0, i18n.T("with --demo: the `PORT` the demo's server listens on (the tray app passes it)"))
	logLevel := fset.String("log-level", "info", i18n.T("log `LEVEL`: debug, info, warn or error"))
	if code, ok := parse(fset, args); !ok {
		return code
	}
	logger, err := NewLogger(env.Stderr, "text", *logLevel)
	if err != nil {
		fmt.Fprintln(env.Stderr, "idlebell:", err)
		return exitUsage
	}
	w.Logger, w.Secrets = logger.With("process", "settings"), env.Secrets
	if w.Secrets == nil {
		w.Secrets = settings.Keyring()
	}
	if w.Demo {
		a := settings.NewAccount("Demo")
		a.Host, a.Port, a.Security, a.Username = "127.0.0.1", 0, settings.SecurityNone, "demo" // port 0: unknown, shown empty
		if *demoPort > 0 && *demoPort <= 65535 {
			a.Port = *demoPort
		}
		w.Config = settings.Default()
		w.Config.Accounts = []settings.Account{a}
	} else {
		if w.Path = *configPath; w.Path == "" {
			if w.Path, err = settings.Path(); err != nil {
				fmt.Fprintln(env.Stderr, "idlebell:", err)
				return exitFailed
			}
		}
		w.Config, err = settings.Load(w.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			w.Config = settings.Default() // the first account is added here
		case err != nil:
			// Never overwrite what could not be read: say what is wrong,
			// here and in the window.
			var invalid *settings.Error
			w.ProblemTitle = i18n.T("The config file has errors. Fix them in a text editor; idlebell reloads the file when it is saved.")
			if errors.As(err, &invalid) {
				w.Problem = invalid.Localized()
			} else {
				w.ProblemTitle = i18n.T("idlebell can't read its config file.")
				w.Problem = sentenceCase(configProblem(err))
			}
			fmt.Fprintln(env.Stderr, "idlebell:", w.Problem)
		}
	}
	if env.Settings == nil && w.Problem != "" {
		return exitUsage
	}
	if env.Settings == nil {
		logger.Error("this idlebell was built without the settings window (-tags nogui): edit the config file")
		return exitFailed
	}
	ctx, stop := interruptible(0)
	defer stop()
	return env.Settings(ctx, w)
}

// sentenceCase starts s, a sentence shown on its own in a window, with a
// capital ("The config file … is a folder."), unless its first word is not
// a plain word (a path, a host name) or is idlebell.
func sentenceCase(s string) string {
	first, _, _ := strings.Cut(s, " ")
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || first == "idlebell" || strings.IndexFunc(first, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
