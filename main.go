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
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"idlebell/bridge"
	"idlebell/cli"
	"idlebell/delivery"
	"idlebell/demo"
	"idlebell/headless"
	"idlebell/hooks"
	"idlebell/imapwatch"
	"idlebell/logind"
	"idlebell/openmail"
	"idlebell/settings"
)

// version and commit are set at build time (see the Makefile):
// -ldflags "-X main.version=1.2.3 -X main.commit=abc1234". Without them the
// version is FyneApp.toml's with "-dev" (appInfo), and the commit falls
// back to the VCS stamp of the build, when there is one.
var (
	version = ""
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
  idlebell discover [--json] ADDRESS
                                   find the IMAP server of a mail address
  idlebell settings [--config PATH] [--account NAME] [--about]
                                   the settings window (the tray's Settings… opens it)

Examples:
  idlebell --headless | jq -r .subject
  idlebell --headless --notify --log-level debug
  idlebell check --json

Flags:
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "settings" {
		return runSettings(args[1:], stderr)
	}
	if code, ok := cli.Run(cli.Env{Stdout: stdout, Stderr: stderr}, args); ok {
		return code
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
		fmt.Fprintln(stdout, cli.Version(appInfo().Version, commit))
		return 0
	}
	logger, err := cli.NewLogger(stderr, o.logFormat, o.logLevel)
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
		srv, dcfg, dsecrets, err := demo.Setup(ctx, o.demoInterval, logger)
		if err != nil {
			fmt.Fprintln(stderr, "idlebell:", err)
			return 1
		}
		defer srv.Close()
		cfg, secrets = dcfg, dsecrets
	} else {
		var code int
		if cfg, cfgErr, path, code = cli.StartConfig(o.configPath, o.headless, stderr, logger); code != 0 {
			return code
		}
	}

	// Watermarks: the demo keeps them in memory (its server starts empty).
	// One process per state file: a second would announce everything twice.
	var store imapwatch.Store
	if !o.demo {
		var release func()
		var code int
		if store, release, code = cli.StartState(stderr, logger); code != 0 {
			if code == 3 && !o.headless {
				alreadyRunning(ctx) // the tray app may have no terminal
			}
			return code
		}
		defer release()
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
	tokens := settings.TokenKeyring()
	accounts := bridge.New(bridge.Options{Secrets: secrets, Tokens: tokens, Trace: trace})
	mgr.Apply(accounts.Configs(cfg))
	runner := hooks.New(logger)
	defer runner.Close()
	runner.Configure(cfg)

	// What both fronts share: hooks, bubbles, a click that opens the mail,
	// Mark as read.
	cur := &currentConfig{cfg: cfg}
	open := func(ctx context.Context, a settings.Account, m *imapwatch.NewMail) error {
		return openmail.Opener{}.Open(ctx, cur.get(), a, m)
	}
	base := delivery.Options{
		Events: mgr.Events(), Config: cfg, Hooks: runner, Logger: logger,
		Open: open, OpenProblem: openmail.Problem,
		MarkRead: func(ctx context.Context, a settings.Account, m delivery.MailRef) error {
			return imapwatch.MarkSeen(ctx, accounts.Config(a), m.Mailbox, m.UIDValidity, m.UID)
		},
		AfterMarkRead: mgr.CheckNow,
	}
	var front interface {
		configChanged(*settings.Config, error)
		run(context.Context) int
	}
	if o.headless {
		front = &headlessFront{headless.New(ctx, headless.Options{Delivery: base, Out: stdout, Notify: o.notify})}
	} else {
		front = newTrayFront(trayDeps{mgr: mgr, delivery: base, open: open, accounts: accounts,
			path: path, cfg: cfg, cfgErr: cfgErr, demo: o.demo, logger: logger})
	}
	if path != "" {
		// Live reload: owned here, ends with ctx.
		// running is the config in force; only this goroutine touches it.
		running := cfg
		go settings.Watch(ctx, path, func(c *settings.Config, err error) {
			if err != nil {
				logger.Error("config change not applied; keeping the running config", "err", err)
			} else {
				bridge.MoveAccounts(mgr, running, c, logger)
				running = c
				mgr.Apply(accounts.Configs(c))
				mgr.CheckNow("") // a failed account tries again (SIGHUP: check now)
				runner.Configure(c)
				cur.set(c)
			}
			front.configChanged(c, err)
		})
	}
	// Suspend/resume from logind, where there is a system bus; the watcher's
	// own clock check covers everything else. Ends with ctx.
	go logind.OnResume(ctx, logger, mgr.Wake)

	return front.run(ctx)
}

// trayDeps is what the tray app is wired with: the parts main made.
type trayDeps struct {
	mgr      *imapwatch.Manager
	delivery delivery.Options
	open     func(ctx context.Context, a settings.Account, m *imapwatch.NewMail) error
	accounts *bridge.Bridge
	path     string
	cfg      *settings.Config
	cfgErr   error
	demo     bool
	logger   *slog.Logger
}

// headlessFront is --headless.
type headlessFront struct{ f *headless.Front }

func (h *headlessFront) configChanged(c *settings.Config, err error) {
	if err == nil {
		h.f.Configure(c)
	}
}

func (h *headlessFront) run(ctx context.Context) int { return h.f.Run(ctx) }

// currentConfig is the running config, for what a click opens.
type currentConfig struct {
	mu  sync.Mutex
	cfg *settings.Config
}

func (c *currentConfig) get() *settings.Config { c.mu.Lock(); defer c.mu.Unlock(); return c.cfg }

func (c *currentConfig) set(cfg *settings.Config) { c.mu.Lock(); c.cfg = cfg; c.mu.Unlock() }
