package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"runtime"
	"runtime/debug"
	"time"

	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// Main is the main command's flags: `idlebell [flags]`, the tray app or
// --headless.
type Main struct {
	ConfigPath   string
	Demo         bool
	DemoInterval time.Duration
	Headless     bool
	Notify       bool // with Headless: bubbles too
	Logger       *slog.Logger
	Trace        io.Writer // the IMAP protocol: stderr with --debug-imap, else nil
}

// ParseMain parses the main command's flags. It prints --help, and
// version for --version, and makes the logger --log-format and --log-level
// ask for; when ok is false the process ends with code.
func ParseMain(args []string, stdout, stderr io.Writer, version string) (m Main, code int, ok bool) {
	fset := newFlags(Env{Stderr: stderr}, "", usage)
	fset.StringVar(&m.ConfigPath, "config", "", i18n.T("read the config file `PATH` instead of idlebell/config.toml in the user config dir"))
	fset.BoolVar(&m.Demo, "demo", false, i18n.T("watch an embedded demo server instead of the config's accounts"))
	fset.DurationVar(&m.DemoInterval, "demo-interval", 20*time.Second, i18n.T("every `DURATION` the demo server receives a message"))
	fset.BoolVar(&m.Headless, "headless", false, i18n.T("no GUI: write new mail as JSON lines to stdout"))
	fset.BoolVar(&m.Notify, "notify", false, i18n.T("with --headless: also show desktop notifications"))
	logFormat := fset.String("log-format", "text", i18n.T("log `FORMAT` on stderr: text or json"))
	logLevel := fset.String("log-level", "info", i18n.T("log `LEVEL`: debug, info, warn or error"))
	debugIMAP := fset.Bool("debug-imap", false, i18n.T("trace the IMAP protocol to stderr (passwords redacted)"))
	printVersion := fset.Bool("version", false, i18n.T("print the version and exit"))
	if code, ok := parse(fset, args); !ok {
		return m, code, false
	}
	if *printVersion {
		fmt.Fprintln(stdout, version)
		return m, exitOK, false
	}
	logger, err := NewLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "idlebell:", err)
		return m, exitUsage, false
	}
	m.Logger = logger
	if *debugIMAP {
		m.Trace = stderr
	}
	return m, exitOK, true
}

// NewLogger is the logger --log-format and --log-level ask for, writing to w.
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// Version is what --version prints: "idlebell 1.2.3 (commit abc1234,
// go1.26.8)". commit "" falls back to the build's VCS stamp.
func Version(version, commit string) string {
	goVersion := runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && commit == "" {
				commit = s.Value
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	return fmt.Sprintf("idlebell %s (commit %s, %s)", version, commit, goVersion)
}

// StartConfig is the config the app starts with, from the file at path (the
// default location when ""); resolved is that file's path. For the tray, a
// missing file is a first run (firstRun; the default config, for the
// settings window to fill) and an unusable one comes back as cfgErr (cfg
// nil), logged, for the tray to show while it waits for a fix. A file
// without accounts is no first run: the user has been there. Headless, both end the process:
// code is then the exit status (2) and stderr says why. Code is 0 when the
// app may start. A file that cannot be read is never overwritten.
func StartConfig(path string, headless bool, stderr io.Writer, logger *slog.Logger) (cfg *settings.Config, cfgErr error, resolved string, firstRun bool, code int) {
	if path == "" {
		p, err := settings.Path()
		if err != nil {
			fmt.Fprintln(stderr, "idlebell:", err)
			return nil, nil, "", false, exitFailed
		}
		path = p
	}
	cfg, cfgErr = settings.Load(path)
	if errors.Is(cfgErr, fs.ErrNotExist) {
		if headless {
			// Without a window to add an account in, running with none
			// would silently do nothing.
			fmt.Fprintln(stderr, i18n.T("idlebell: no config file at %s: create one (see config.example.toml in the README) or pass --config", path))
			return nil, nil, path, false, exitUsage
		}
		return settings.Default(), nil, path, true, exitOK // first run: the settings window opens
	}
	if cfgErr != nil {
		if headless {
			var invalid *settings.Error
			if errors.As(cfgErr, &invalid) {
				fmt.Fprintln(stderr, "idlebell:", invalid.Localized())
			} else {
				fmt.Fprintln(stderr, "idlebell:", configProblem(cfgErr))
			}
			return nil, nil, path, false, exitUsage
		}
		logger.Error("config not usable; fix it and idlebell reloads it", "path", path, "err", cfgErr)
	}
	return cfg, cfgErr, path, false, exitOK
}

// StartState opens the state file (each mailbox's watermark) under the
// one-process lock: a second idlebell on the same state file gets code 3
// and locked, the *settings.LockedError, and stderr says in the user's
// language which idlebell that is (its PID), the lock file, how to stop it
// and how to run this one beside it (explain's words). A lock that cannot
// be taken (an unwritable directory) or a state file that cannot be used is
// logged and the app runs on: without the lock, or with store nil (mail is
// re-baselined). release saves and closes the state and drops the lock;
// call it on the way out.
func StartState(stderr io.Writer, logger *slog.Logger) (store imapwatch.Store, release func(), code int, locked error) {
	release = func() {}
	statePath, err := settings.StatePath()
	if err != nil {
		logger.Error("no place for the state file; mail will be re-baselined", "err", err)
		return nil, release, exitOK, nil
	}
	lock, err := settings.LockState(statePath)
	var lockErr *settings.LockedError
	if errors.As(err, &lockErr) {
		fmt.Fprintln(stderr, sentenceAndHint(err)) // "idlebell is already running (PID 42). That is …"
		return nil, release, exitLocked, err
	}
	if err != nil {
		logger.Warn("cannot take the one-process lock; running without it", "err", err)
	}
	st, err := settings.OpenState(statePath, logger)
	if err != nil {
		logger.Error("state file not usable; mail will be re-baselined", "err", err)
		return nil, func() { lock.Unlock() }, exitOK, nil
	}
	return st, func() { st.Close(); lock.Unlock() }, exitOK, nil
}
