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
	"syscall"

	"idlebell/cli"
	"idlebell/settings"
)

// settingsArgs is what `idlebell settings` was given.
type settingsArgs struct {
	path    string // "" with --demo: read-only
	cfg     *settings.Config
	secrets settings.Secrets
	account string
	about   bool
	demo    bool
	problem string // the config could not be read: shown instead of the form
	logger  *slog.Logger
}

// runSettings is `idlebell settings [--config PATH] [--account NAME]
// [--about] [--demo]`: the settings window as a process of its own. The
// tray app starts it for Settings… and About; it needs no lock and no
// watcher, and ends when its last window closes.
func runSettings(args []string, stderr io.Writer) int {
	var s settingsArgs
	fset := flag.NewFlagSet("idlebell settings", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.StringVar(&s.path, "config", "", "config file (default: the user config dir's idlebell/config.toml)")
	fset.StringVar(&s.account, "account", "", "open the settings of this account")
	fset.BoolVar(&s.about, "about", false, "open the About window")
	fset.BoolVar(&s.demo, "demo", false, "show the demo's settings, read-only")
	logLevel := fset.String("log-level", "info", "log level: debug, info, warn, error")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	logger, err := cli.NewLogger(stderr, "text", *logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "idlebell:", err)
		return 2
	}
	s.logger, s.secrets = logger.With("process", "settings"), settings.Keyring()
	if s.demo {
		a := settings.NewAccount("Demo")
		a.Host, a.Port, a.Security, a.Username = "127.0.0.1", 0, settings.SecurityNone, "demo"
		s.cfg, s.path = settings.Default(), ""
		s.cfg.Accounts = []settings.Account{a}
	} else {
		if s.path == "" {
			if s.path, err = settings.Path(); err != nil {
				fmt.Fprintln(stderr, "idlebell:", err)
				return 1
			}
		}
		s.cfg, err = settings.Load(s.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			s.cfg = settings.Default() // the first account is added here
		case err != nil:
			// Never overwrite what could not be read: say what is wrong.
			fmt.Fprintln(stderr, "idlebell:", err)
			s.problem = err.Error()
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runSettingsWindow(ctx, s)
}
