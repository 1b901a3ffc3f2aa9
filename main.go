// Command idlebell announces new mail the moment it arrives, using IMAP IDLE.
//
// main is the composition root: flags, logging, settings, the watcher, and
// either the tray app or the headless loop. Logic lives in the packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"idlebell/demo"
	"idlebell/headless"
	"idlebell/hooks"
	"idlebell/imapwatch"
	"idlebell/logind"
	"idlebell/settings"
)

// version and commit are set at build time (see the Makefile):
// -ldflags "-X main.version=1.2.3 -X main.commit=abc1234". The commit
// falls back to the VCS stamp of the build, when there is one.
var (
	version = "dev"
	commit  = ""
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	configPath   string
	demo         bool
	demoInterval time.Duration
	headless     bool
	notify       bool
	logFormat    string
	logLevel     string
	debugIMAP    bool
	version      bool
}

const usage = `idlebell: instant new-mail notifications over IMAP IDLE.

Usage:
  idlebell [flags]                 tray app (the default)
  idlebell --headless [flags]      no GUI: one JSON line per new mail on stdout
  idlebell --demo                  try it: an embedded server delivers mail every 20 s
  idlebell check [--config PATH] [--json]
                                   test every enabled account once and exit
  idlebell login [--device|--browser] ACCOUNT
                                   sign an OAuth2 account (Gmail, Outlook.com, Microsoft 365) in

Examples:
  idlebell --headless | jq -r .subject
  idlebell --headless --notify --log-level debug
  idlebell check --json

Flags:
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "check" {
		return runCheck(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "login" {
		return runLogin(args[1:], stdout, stderr)
	}
	var o options
	fset := flag.NewFlagSet("idlebell", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, usage); fset.PrintDefaults() }
	fset.StringVar(&o.configPath, "config", "", "config file (default: the user config dir's idlebell/config.toml)")
	fset.BoolVar(&o.demo, "demo", false, "watch an embedded demo server instead of the config's accounts")
	fset.DurationVar(&o.demoInterval, "demo-interval", 20*time.Second, "how often the demo server receives a message")
	fset.BoolVar(&o.headless, "headless", false, "no GUI: write new mail as JSON lines to stdout")
	fset.BoolVar(&o.notify, "notify", false, "with --headless: also show desktop notifications")
	fset.StringVar(&o.logFormat, "log-format", "text", "log format on stderr: text or json")
	fset.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fset.BoolVar(&o.debugIMAP, "debug-imap", false, "trace the IMAP protocol to stderr (passwords redacted)")
	fset.BoolVar(&o.version, "version", false, "print the version and exit")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if o.version {
		fmt.Fprintln(stdout, versionString())
		return 0
	}
	logger, err := newLogger(stderr, o.logFormat, o.logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "idlebell:", err)
		return 2
	}
	var trace io.Writer
	if o.debugIMAP {
		trace = stderr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The config: the demo's, or the user's file. A file that cannot be read
	// is reported and never overwritten; the tray app still starts.
	var (
		cfg     *settings.Config
		cfgErr  error
		path    string
		secrets = settings.Keyring()
	)
	if o.demo {
		srv, dcfg, dsecrets, err := startDemo(ctx, o.demoInterval, logger)
		if err != nil {
			fmt.Fprintln(stderr, "idlebell:", err)
			return 1
		}
		defer srv.Close()
		cfg, secrets = dcfg, dsecrets
	} else {
		path = o.configPath
		if path == "" {
			if path, err = settings.Path(); err != nil {
				fmt.Fprintln(stderr, "idlebell:", err)
				return 1
			}
		}
		cfg, cfgErr = settings.Load(path)
		if errors.Is(cfgErr, fs.ErrNotExist) {
			if o.headless {
				// Without a window to add an account in, running with
				// none would silently do nothing.
				fmt.Fprintf(stderr, "idlebell: no config file at %s: create one (see config.example.toml in the README) or pass --config\n", path)
				return 2
			}
			cfg, cfgErr = settings.Default(), nil // first run: the settings window opens
		}
		if cfgErr != nil {
			if o.headless {
				fmt.Fprintln(stderr, "idlebell:", cfgErr)
				return 2
			}
			logger.Error("config not usable; fix it and idlebell reloads it", "path", path, "err", cfgErr)
		}
	}

	// Watermarks: the demo keeps them in memory (its server starts empty).
	// One process per state file: a second would announce everything twice.
	var store imapwatch.Store
	if !o.demo {
		statePath, err := settings.StatePath()
		if err == nil {
			lock, err := settings.LockState(statePath)
			var locked *settings.LockedError
			if errors.As(err, &locked) {
				fmt.Fprintln(stderr, "idlebell:", err)
				return 3
			}
			if err != nil {
				logger.Warn("cannot take the one-process lock; running without it", "err", err)
			}
			defer lock.Unlock()
			st, err := settings.OpenState(statePath, logger)
			if err == nil {
				defer st.Close()
				store = st
			} else {
				logger.Error("state file not usable; mail will be re-baselined", "err", err)
			}
		}
	}

	mgr := imapwatch.NewManager(imapwatch.Options{Store: store, Logger: logger})
	defer mgr.Close()
	// On SIGINT/SIGTERM stop the watcher first: it says LOGOUT and closes
	// its event channel, and the consumer below reads until then, so no mail
	// whose watermark was saved is dropped on the way out. Ends with ctx.
	go func() {
		<-ctx.Done()
		mgr.Close()
	}()
	mgr.Apply(watchConfigs(cfg, secrets, trace))
	runner := hooks.New(logger)
	defer runner.Close()
	runner.Configure(cfg)

	var tray *trayFront
	if !o.headless {
		tray = newTrayFront(trayDeps{
			mgr: mgr, hooks: runner, path: path, cfg: cfg, cfgErr: cfgErr,
			secrets: secrets, tokens: tokenSecrets, demo: o.demo, trace: trace, logger: logger,
		})
	}
	if path != "" {
		// Live reload: owned here, ends with ctx.
		go settings.Watch(ctx, path, func(c *settings.Config, err error) {
			if err != nil {
				logger.Error("config change not applied; keeping the running config", "err", err)
			} else {
				mgr.Apply(watchConfigs(c, secrets, trace))
				runner.Configure(c)
			}
			if tray != nil {
				tray.configChanged(c, err)
			}
		})
	}
	// Suspend/resume from logind, where there is a system bus; the watcher's
	// own clock check covers everything else. Ends with ctx.
	go logind.OnResume(ctx, logger, mgr.Wake)

	if o.headless {
		return headless.Run(ctx, headless.Options{
			Events: mgr.Events(), Out: stdout, Hooks: runner, Notify: o.notify, Logger: logger,
		})
	}
	return tray.run(ctx)
}

// trayDeps is what the tray app is wired with.
type trayDeps struct {
	mgr             *imapwatch.Manager
	hooks           *hooks.Runner
	path            string
	cfg             *settings.Config
	cfgErr          error
	secrets, tokens settings.Secrets
	demo            bool
	trace           io.Writer
	logger          *slog.Logger
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
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

func versionString() string {
	rev := commit
	goVersion := runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && rev == "" {
				rev = s.Value
			}
		}
	}
	if rev == "" {
		rev = "unknown"
	}
	return fmt.Sprintf("idlebell %s (commit %s, %s)", version, rev, goVersion)
}

// startDemo runs the embedded server with one "Demo" account and feeds it.
func startDemo(ctx context.Context, interval time.Duration, logger *slog.Logger) (*demo.Server, *settings.Config, settings.Secrets, error) {
	srv, err := demo.Start(demo.Options{})
	if err != nil {
		return nil, nil, nil, err
	}
	const user, password = "demo", "demo"
	if err := srv.AddUser(user, password); err != nil {
		srv.Close()
		return nil, nil, nil, err
	}
	host, port := srv.HostPort()
	a := settings.NewAccount("Demo")
	a.Host, a.Port, a.Security, a.Username = host, port, "none", user
	cfg := settings.Default()
	cfg.Accounts = []settings.Account{a}
	// Owned by the demo: ends with ctx.
	go demo.Feed(ctx, srv, user, interval, logger)
	logger.Info("demo server running", "addr", srv.Addr, "interval", interval)
	return srv, cfg, demo.Secrets(password), nil
}
