// Command idlebell announces new mail the moment it arrives, using IMAP IDLE.
//
// main is the composition root: flags, logging, settings, the watcher, and
// either the tray app or the headless loop. Logic lives in the packages.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"idlebell/bridge"
	"idlebell/cli"
	"idlebell/delivery"
	"idlebell/demo"
	"idlebell/explain"
	"idlebell/headless"
	"idlebell/hooks"
	"idlebell/i18n"
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
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, runOptions{}))
}

// runOptions are what an end-to-end test changes in a run of the program;
// the zero value is the program's own.
type runOptions struct {
	attentionAfter time.Duration // 0: tray.DefaultAttentionAfter
}

func run(args []string, stdout, stderr io.Writer, ro runOptions) int {
	if code, ok := cli.Run(cli.Env{Stdout: stdout, Stderr: stderr, Settings: runSettingsWindow}, args); ok {
		return code
	}
	o, code, ok := cli.ParseMain(args, stdout, stderr, cli.Version(appInfo().Version, commit))
	if !ok {
		return code
	}
	logger, trace := o.Logger, o.Trace

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The config: the demo's, or the user's file. A file that cannot be read
	// is reported and never overwritten; the tray app still starts.
	var (
		cfg      *settings.Config
		cfgErr   error
		path     string
		firstRun bool // no config file: the settings window opens
		secrets  = settings.Keyring()
	)
	if o.Demo {
		srv, dcfg, dsecrets, err := demo.Setup(ctx, o.DemoInterval, logger)
		if err != nil {
			fmt.Fprintln(stderr, "idlebell:", err)
			return 1
		}
		defer srv.Close()
		cfg, secrets = dcfg, dsecrets
	} else {
		var code int
		if cfg, cfgErr, path, firstRun, code = cli.StartConfig(o.ConfigPath, o.Headless, stderr, logger); code != 0 {
			return code
		}
	}

	// Watermarks: the demo keeps them in memory (its server starts empty).
	// One process per state file: a second would announce everything twice.
	var store imapwatch.Store
	if !o.Demo {
		var release func()
		var code int
		var locked error
		if store, release, code, locked = cli.StartState(stderr, logger); code != 0 {
			if locked != nil && !o.Headless {
				// The tray app started from a menu has no terminal to print to.
				title, body := explain.DescribeIn(i18n.Template, locked)
				delivery.NotifyOnce(ctx, delivery.Notification{Title: title, Body: body})
			}
			return code
		}
		defer release()
	}

	mgr := imapwatch.NewManager(imapwatch.Options{Store: store, Logger: logger})
	defer mgr.Close()
	// The goroutines below end with ctx; run cancels it and waits for them
	// before it returns (this defer runs before the ones above).
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	// On SIGINT/SIGTERM stop the watcher first: it says LOGOUT and closes
	// its event channel, and the consumer below reads until then, so no mail
	// whose watermark was saved is dropped on the way out.
	wg.Go(func() {
		<-ctx.Done()
		mgr.Close()
	})
	tokens := settings.TokenKeyring()
	accounts := bridge.New(bridge.Options{Secrets: secrets, Tokens: tokens, Trace: trace})
	mgr.Apply(accounts.Configs(cfg))
	runner := hooks.New(logger)
	defer runner.Close()
	runner.Configure(cfg)

	// What both fronts share: hooks, bubbles, a click that opens the mail,
	// Mark as read.
	var cur atomic.Pointer[settings.Config] // the config in force, for what a click opens
	cur.Store(cfg)
	open := func(ctx context.Context, a settings.Account, m *imapwatch.NewMail) error {
		return openmail.Opener{}.Open(ctx, cur.Load(), a, m)
	}
	base := delivery.Options{
		Events: mgr.Events(), Config: cfg, Hooks: runner, Logger: logger,
		Open: open, OpenProblem: openmail.Problem,
		MarkRead: func(ctx context.Context, a settings.Account, m delivery.MailRef) error {
			return imapwatch.MarkSeen(ctx, accounts.Config(a), m.Mailbox, m.UIDValidity, m.UID)
		},
		AfterMarkRead: mgr.CheckNow,
	}
	var f front
	if o.Headless {
		f = headless.New(ctx, headless.Options{Delivery: base, Out: stdout, Notify: o.Notify})
	} else {
		f = newTray(trayDeps{mgr: mgr, delivery: base, open: open, accounts: accounts, path: path, cfg: cfg,
			cfgErr: cfgErr, firstRun: firstRun, demo: o.Demo, attentionAfter: ro.attentionAfter, logger: logger})
	}
	if path != "" {
		// Live reload. running is the config in force; only this goroutine
		// touches it.
		running := cfg
		onChange := func(c *settings.Config, err error) {
			if err != nil {
				logger.Error("config change not applied; keeping the running config", "err", err)
			} else {
				bridge.MoveAccounts(mgr, running, c, logger)
				running = c
				mgr.Reload(accounts.Configs(c)) // a failed account tries again (SIGHUP: check now)
				runner.Configure(c)
				cur.Store(c)
			}
			f.ConfigChanged(c, err)
		}
		wg.Go(func() { watchConfig(ctx, path, logger, onChange) })
	}
	// Suspend/resume from logind, where there is a system bus; the watcher's
	// own clock check covers everything else.
	wg.Go(func() { logind.OnResume(ctx, logger, mgr.Wake) })

	return f.Run(ctx)
}

// watchConfig is settings.Watch, which returns when ctx ends; a file that
// cannot be watched is said once, and edits then need a restart.
func watchConfig(ctx context.Context, path string, logger *slog.Logger, onChange func(*settings.Config, error)) {
	if err := settings.Watch(ctx, path, onChange); err != nil {
		logger.Error("config file not watched; restart idlebell after editing it", "path", path, "err", err)
	}
}

// front is the tray app or --headless. ConfigChanged is called from the
// config watcher's goroutine and never blocks; Run returns when ctx ends
// (or the user quits) with the exit status.
type front interface {
	ConfigChanged(*settings.Config, error)
	Run(context.Context) int
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
	firstRun bool
	demo     bool
	// attentionAfter is tray.Options.AttentionAfter (0: the default).
	attentionAfter time.Duration
	logger         *slog.Logger
}
