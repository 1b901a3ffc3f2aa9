// Command testsession starts the services idlebell's integration tests run against, runs a
// command with their addresses in its environment, and stops them again:
//
//	go run ./internal/testsession/cmd/testsession [-desktop] -- go test -race ./...
//
// It starts two private Dovecot instances (with and without IDLE) and, with -desktop, a
// headless desktop session, all in a fresh temporary directory. SIGINT and SIGTERM are
// forwarded to the command; whatever happens, every service started is stopped, the
// directory removed, and testsession exits with the command's status.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"idlebell/internal/testsession"
)

func main() {
	os.Exit(run())
}

func run() int {
	desktop := flag.Bool("desktop", false, "also start Xvfb, a private D-Bus, gnome-keyring, dunst and status-notifier-watcher")
	keep := flag.Bool("keep", false, "keep the temporary directory (logs) after the command ends")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [-desktop] [-keep] -- command [args...]\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		return 2
	}
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "testsession: "+format+"\n", args...) }

	// Signals that arrive while services start still lead to a clean stop.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	// A short base keeps unix socket paths (dovecot, the bus) under 108 bytes.
	dir, err := os.MkdirTemp("", "idlebell-test-")
	if err != nil {
		logf("%v", err)
		return 1
	}
	var stops []func() error
	defer func() {
		// Stop in parallel: a Dovecot takes about a second to stop.
		var wg sync.WaitGroup
		errs := make([]error, len(stops))
		for i, stop := range stops {
			wg.Go(func() { errs[i] = stop() })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			logf("stop: %v", err)
		}
		if *keep {
			logf("kept %s", dir)
		} else if err := os.RemoveAll(dir); err != nil {
			logf("remove %s: %v", dir, err)
		}
	}()

	env := []string{testsession.EnvServices + "=1"}
	type result struct {
		name string
		env  []string
		stop func() error
		err  error
	}
	// Start everything at once; all three take a few hundred ms.
	results := make(chan result)
	n := 0
	startDovecot := func(name, sub string, noIdle bool) {
		n++
		go func() {
			t0 := time.Now()
			d, err := testsession.StartDovecot(filepath.Join(dir, sub), testsession.DovecotOptions{NoIDLE: noIdle})
			if err != nil {
				results <- result{name: name, err: err}
				return
			}
			logf("%s ready in %v: plain %s, tls %s (pid %d)", name, time.Since(t0).Round(time.Millisecond), d.PlainAddr, d.TLSAddr, d.PID())
			results <- result{name: name, env: testsession.ExportDovecot(d, noIdle), stop: d.Stop}
		}()
	}
	startDovecot("dovecot", "dovecot", false)
	startDovecot("dovecot (no IDLE)", "dovecot-noidle", true)
	if *desktop {
		n++
		go func() {
			d, err := testsession.StartDesktop(filepath.Join(dir, "desktop"))
			if err != nil {
				results <- result{name: "desktop", err: err}
				return
			}
			for _, s := range d.Ready {
				logf("%s ready in %v", s.Name, s.After.Round(time.Millisecond))
			}
			results <- result{name: "desktop", env: append(testsession.ExportDesktop(d), testsession.EnvDesktop+"=1"), stop: d.Stop}
		}()
	}
	var startErr error
	var interrupted os.Signal
	for n > 0 {
		select {
		case r := <-results:
			n--
			if r.err != nil {
				startErr = errors.Join(startErr, fmt.Errorf("start %s: %w", r.name, r.err))
				continue
			}
			env = append(env, r.env...)
			stops = append(stops, r.stop)
		case s := <-sigs:
			logf("%v while starting; stopping", s)
			interrupted = s
		}
	}
	if startErr != nil {
		logf("%v", startErr)
		return 1
	}
	if interrupted != nil {
		return 128 + int(interrupted.(syscall.Signal))
	}

	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		logf("%v", err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-sigs:
			logf("forwarding %v to %s (pid %d)", s, flag.Arg(0), cmd.Process.Pid)
			_ = cmd.Process.Signal(s)
		case err := <-done:
			var exit *exec.ExitError
			switch {
			case err == nil:
				return 0
			case errors.As(err, &exit):
				if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					return 128 + int(ws.Signal())
				}
				return exit.ExitCode()
			default:
				logf("%v", err)
				return 1
			}
		}
	}
}
