//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"idlebell/bench"
	"idlebell/demo"
	"idlebell/imapwatch"
)

// timedMail is a NewMail event and when the consumer received it.
type timedMail struct {
	at time.Time
	m  *imapwatch.NewMail
}

// libWatcher is the watcher library as the app uses it: a Manager with one
// account, its events read by a pump goroutine as the UI's would be.
type libWatcher struct {
	m       *imapwatch.Manager
	traffic *imapwatch.Traffic
	tap     *traceTap
	mails   chan timedMail
	idle    chan struct{}
	done    chan struct{}
}

// accountConfig is a watcher config for user on s (plain or TLS).
func (e *env) accountConfig(name string, s bench.Server, user string) imapwatch.Config {
	host, port := splitAddr(s.Addr)
	cfg := imapwatch.Config{
		Name: name, Host: host, Port: port, Security: imapwatch.SecurityNone, Username: user,
		Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: 2 * time.Minute,
		Password: func(context.Context) (string, error) { return e.password, nil },
	}
	if s.TLS != nil {
		cfg.Security, cfg.CAFile = imapwatch.SecurityTLS, e.dovecot.CAFile
	}
	return cfg
}

func splitAddr(addr string) (string, int) {
	h, p, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	return h, port
}

// startLib starts a manager for cfg with bytes counted and the protocol
// tapped. It does not wait for IDLE: see waitIdle.
func startLib(cfg imapwatch.Config) *libWatcher {
	w := &libWatcher{
		traffic: &imapwatch.Traffic{},
		tap:     &traceTap{},
		mails:   make(chan timedMail, 16384),
		idle:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	cfg.Traffic, cfg.Trace = w.traffic, w.tap
	w.m = imapwatch.NewManager(imapwatch.Options{})
	w.m.Apply([]imapwatch.Config{cfg})
	// The pump: ends when Close closes the event channel.
	go func() {
		defer close(w.done)
		idle := false
		for ev := range w.m.Events() {
			switch ev := ev.(type) {
			case *imapwatch.NewMail:
				w.mails <- timedMail{time.Now(), ev}
				ev.Delivered()
			case *imapwatch.StateChange:
				if ev.State == imapwatch.StateIdle && !idle {
					idle = true
					close(w.idle)
				}
			}
		}
	}()
	return w
}

func (w *libWatcher) waitIdle(timeout time.Duration) error {
	select {
	case <-w.idle:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("watcher not idle after %v", timeout)
	}
}

func (w *libWatcher) close() {
	w.m.Close()
	<-w.done
}

// waitMail waits for the NewMail with uid and returns it and when it was
// received.
func (w *libWatcher) waitMail(uid uint32, timeout time.Duration) (timedMail, bool) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case m := <-w.mails:
			if m.m.UID == uid {
				return m, true
			}
		case <-t.C:
			return timedMail{}, false
		}
	}
}

// traceTap reads the watcher's protocol trace (Config.Trace, one line per
// Write, prefixed "[account] "): it counts IDLE continuations ("+ ...", the
// server accepted IDLE) and keepalives, and records lines while asked to.
type traceTap struct {
	plus      atomic.Int64
	keepalive atomic.Int64
	last      atomic.Int64 // unix ns of the last line
	mu        sync.Mutex
	recording bool
	lines     []string
	changed   chan struct{}
}

func (t *traceTap) Write(p []byte) (int, error) {
	line := string(bytes.TrimRight(p, "\n"))
	if i := strings.Index(line, "] "); i >= 0 && strings.HasPrefix(line, "[") {
		line = line[i+2:]
	}
	t.last.Store(time.Now().UnixNano())
	if strings.HasPrefix(line, "+ ") {
		t.plus.Add(1)
	}
	if strings.HasPrefix(line, "* OK Still here") {
		t.keepalive.Add(1)
	}
	t.mu.Lock()
	if t.recording {
		t.lines = append(t.lines, line)
	}
	ch := t.changed
	t.mu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// waitPlus waits until more than n IDLE continuations were seen.
func (t *traceTap) waitPlus(n int64, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	t.mu.Lock()
	if t.changed == nil {
		t.changed = make(chan struct{}, 1)
	}
	ch := t.changed
	t.mu.Unlock()
	for t.plus.Load() <= n {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		select {
		case <-ch:
		case <-time.After(left):
		}
	}
	return true
}

// waitQuiet waits until no line came for quiet (bounded by limit) and
// reports whether it did get quiet.
func (t *traceTap) waitQuiet(quiet, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		since := time.Since(time.Unix(0, t.last.Load()))
		if since >= quiet {
			return true
		}
		time.Sleep(quiet - since) // polls the tap; no result is waited for blindly
	}
	return false
}

// record starts recording lines and returns what was recorded since the
// previous call.
func (t *traceTap) record() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.recording = true
	out := t.lines
	t.lines = nil
	return out
}

// snapshot is a Traffic reading.
type snapshot struct{ sent, recv int64 }

func snap(t *imapwatch.Traffic) snapshot { return snapshot{t.Sent.Load(), t.Received.Load()} }

func (s snapshot) sub(o snapshot) snapshot { return snapshot{s.sent - o.sent, s.recv - o.recv} }
func (s snapshot) total() int64            { return s.sent + s.recv }

// oldMail is one of the three messages every mailbox here starts with: a
// mailbox is not empty in real life, and "n:*" then has mail below n.
func oldMail(i int) []byte { return bench.Message(fmt.Sprintf("old %d", i), 2000) }

// appenderWithOldMail is an appender for user's INBOX on s, which it first
// gives the three old messages.
func appenderWithOldMail(s bench.Server, user, pw string) (*bench.Appender, error) {
	a, err := bench.NewAppender(s, user, pw)
	if err != nil {
		return nil, err
	}
	for i := range 3 {
		if _, _, err := a.Append("INBOX", oldMail(i)); err != nil {
			a.Close()
			return nil, err
		}
	}
	return a, nil
}

// demoWithUser starts the in-process server with user (password pw), whose
// INBOX has the three old messages.
func demoWithUser(user, pw string) (*demo.Server, error) {
	d, err := demo.Start(demo.Options{})
	if err != nil {
		return nil, err
	}
	if err := d.AddUser(user, pw); err != nil {
		d.Close()
		return nil, err
	}
	for i := range 3 {
		if _, err := d.Append(user, "INBOX", oldMail(i)); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}
