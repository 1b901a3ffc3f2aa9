//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"idlebell/bench"
)

// benchServer is bin/benchserver: the in-process server in a process of its
// own. It reports every IDLE it receives, which is how start-up is timed.
type benchServer struct {
	proc *bench.Proc
	addr string

	mu      sync.Mutex
	idle    map[string]time.Time // first IDLE per user
	changed chan struct{}
}

func startBenchServer(e *env) (*benchServer, error) {
	cmd := exec.Command(e.flags.server, "-password", e.password)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	_ = stdin // kept open: benchserver exits when it closes
	p, err := bench.StartProc("benchserver", cmd, 65536, nil)
	if err != nil {
		return nil, err
	}
	s := &benchServer{proc: p, idle: map[string]time.Time{}, changed: make(chan struct{}, 1)}
	select {
	case l := <-p.Lines:
		s.addr = strings.TrimPrefix(l.Text, "listening ")
	case <-time.After(10 * time.Second):
		p.Stop(time.Second)
		return nil, fmt.Errorf("benchserver did not start: %s", p.Tail())
	}
	// Reads the server's reports until it exits.
	go func() {
		for l := range p.Lines {
			user, ok := strings.CutPrefix(l.Text, "idle ")
			if !ok {
				continue
			}
			s.mu.Lock()
			if _, seen := s.idle[user]; !seen {
				s.idle[user] = l.At
			}
			s.mu.Unlock()
			select {
			case s.changed <- struct{}{}:
			default:
			}
		}
	}()
	return s, nil
}

// waitIdle waits until every user in users has IDLEd, or is in failed
// (when failed is not nil), and returns when the last one IDLEd.
func (s *benchServer) waitIdle(users []string, timeout time.Duration, p *bench.Proc, failed func() map[string]string) (time.Time, error) {
	tick := time.NewTicker(50 * time.Millisecond) // failures are polled
	defer tick.Stop()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		var f map[string]string
		if failed != nil {
			f = failed()
		}
		s.mu.Lock()
		var last time.Time
		n := 0
		for _, u := range users {
			if _, ok := f[u]; ok {
				n++
			} else if t, ok := s.idle[u]; ok {
				n++
				if t.After(last) {
					last = t
				}
			}
		}
		s.mu.Unlock()
		if n == len(users) {
			return last, nil
		}
		select {
		case <-s.changed:
		case <-tick.C:
		case <-deadline.C:
			return time.Time{}, fmt.Errorf("%s: %d of %d accounts idle after %v:\n%s", p.Name, n, len(users), timeout, p.Tail())
		}
	}
}

func (s *benchServer) stop() { s.proc.Stop(5 * time.Second) }

// measuredProc is one process of the memory/start-up/CPU section.
type measuredProc struct {
	proc    *bench.Proc
	stop    func()
	startup time.Duration
	cpu     bench.CPU
	window  time.Duration
	mem     bench.Mem
	failed  map[string]string // accounts that failed instead of idling
}

func users(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%04d", prefix, i)
	}
	return out
}

// startRaw starts bin/rawidle for n users and waits until all IDLE.
func startRaw(e *env, s *benchServer, n int) (*measuredProc, error) {
	us := users(fmt.Sprintf("%s-r%d-", e.runID, n), n)
	cmd := exec.Command(e.flags.raw, append([]string{"-addr", s.addr, "-password", e.password}, us...)...)
	p, err := bench.StartProc(fmt.Sprintf("rawidle (%d accounts)", n), cmd, 1024, nil)
	if err != nil {
		return nil, err
	}
	go func() {
		for range p.Lines {
		}
	}()
	last, err := s.waitIdle(us, 2*time.Minute, p, nil)
	if err != nil {
		p.Stop(5 * time.Second)
		return nil, err
	}
	return &measuredProc{proc: p, stop: func() { p.Stop(5 * time.Second) }, startup: last.Sub(p.Started)}, nil
}

// startHeadless starts idlebell --headless (the -tags nogui build) with n
// accounts on the bench server and waits until all IDLE.
func startHeadless(e *env, s *benchServer, n int) (*measuredProc, error) {
	return startHeadlessBin(e, s, n, e.flags.headless, "h")
}

// startHeadlessBin is startHeadless with another binary; tag keeps its users
// apart.
func startHeadlessBin(e *env, s *benchServer, n int, bin, tag string) (*measuredProc, error) {
	us := users(fmt.Sprintf("%s-%s%d-", e.runID, tag, n), n)
	host, port := splitAddr(s.addr)
	accts := make([]bench.Account, n)
	for i, u := range us {
		accts[i] = bench.Account{Name: u, Host: host, Port: port, Security: "none", User: u, Password: e.password}
	}
	dir := filepath.Join(e.dir, fmt.Sprintf("mem-%s%d", tag, n))
	os.MkdirAll(dir, 0o700)
	h, err := bench.StartHeadless(bin, dir, accts, 1024)
	if err != nil {
		return nil, err
	}
	go func() {
		for range h.Lines {
		}
	}()
	last, err := s.waitIdle(us, 2*time.Minute, h.Proc, h.Failed)
	if err != nil {
		h.Stop(5 * time.Second)
		return nil, err
	}
	mp := &measuredProc{proc: h.Proc, stop: func() { h.Stop(10 * time.Second) }, startup: last.Sub(h.Started), failed: h.Failed()}
	if len(mp.failed) > 0 {
		for a, err := range mp.failed {
			logf("%s: %d of %d accounts failed, e.g. %s: %s", h.Name, len(mp.failed), n, a, err)
			break
		}
	}
	return mp, nil
}

// window measures the processes' CPU over d of idling and their memory at
// its end. It is the one fixed wait here: the measured window itself.
func window(d time.Duration, ps ...*measuredProc) error {
	before := make([]bench.CPU, len(ps))
	for i, p := range ps {
		c, err := bench.ReadCPU(p.proc.PID())
		if err != nil {
			return err
		}
		before[i] = c
	}
	t0 := time.Now()
	time.Sleep(d)
	el := time.Since(t0)
	for i, p := range ps {
		c, err := bench.ReadCPU(p.proc.PID())
		if err != nil {
			return err
		}
		p.cpu, p.window = c.Sub(before[i]), el
		if p.mem, err = bench.ReadMem(p.proc.PID()); err != nil {
			return err
		}
	}
	return nil
}

func perMinute(c bench.CPU, window time.Duration) (sched, ticks float64) {
	f := float64(time.Minute) / float64(window)
	return bench.Ms(c.Sched) * f, bench.Ms(c.Ticks) * f
}

func mb(b int64) string { return bench.F(float64(b)/(1<<20), 1) + " MB" }

// pair is the headless binary and rawidle, measured side by side.
type pair struct {
	n         int
	head, raw *measuredProc
}

// startPair starts rawidle and the headless binary with n accounts each,
// adding both to running (to be stopped by the caller, also on error).
func startPair(e *env, s *benchServer, n int, running *[]*measuredProc) (*pair, error) {
	logf("memory: %d accounts", n)
	p := &pair{n: n}
	var err error
	if p.raw, err = startRaw(e, s, n); err != nil {
		return nil, err
	}
	*running = append(*running, p.raw)
	if p.head, err = startHeadless(e, s, n); err != nil {
		return nil, err
	}
	*running = append(*running, p.head)
	return p, nil
}

// processes measures memory, start-up and idle CPU of the headless binary
// with 1, 100 and 1,000 accounts beside rawidle with as many.
func processes(e *env, r *report) error {
	s, err := startBenchServer(e)
	if err != nil {
		return err
	}
	defer s.stop()
	var pairs []*pair
	var short []*pair // measured in a short window: memory only
	// Accounts up to 100 idle side by side through the CPU window; more
	// than that get a window of their own, after the others stopped.
	var running []*measuredProc
	stopAll := func() {
		for _, p := range running {
			p.stop()
		}
		running = nil
	}
	defer stopAll()
	for _, n := range e.flags.accounts {
		if n > 100 {
			continue
		}
		p, err := startPair(e, s, n, &running)
		if err != nil {
			return err
		}
		pairs = append(pairs, p)
	}
	if len(running) > 0 {
		logf("idle CPU: %v window", e.flags.cpuWindow)
		if err := window(e.flags.cpuWindow, running...); err != nil {
			return err
		}
	}
	stopAll()
	for _, n := range e.flags.accounts {
		if n <= 100 {
			continue
		}
		p, err := startPair(e, s, n, &running)
		if err != nil {
			return err
		}
		if err := window(10*time.Second, p.raw, p.head); err != nil {
			return err
		}
		stopAll()
		short = append(short, p)
	}
	all := append(pairs, short...)

	mt := &bench.Table{Title: "Memory: headless process idling", Header: []string{"Accounts", "idlebell --headless RSS", "of it anonymous / file-backed", "its peak (VmHWM)", "rawidle RSS (baseline)", "rawidle anonymous / file-backed", "idlebell / rawidle"}}
	var one *pair
	for _, p := range all {
		if p.n == 1 {
			one = p
		}
		mt.Add(p.n, mb(p.head.mem.RSS), mb(p.head.mem.Anon)+" / "+mb(p.head.mem.File), mb(p.head.mem.Peak),
			mb(p.raw.mem.RSS), mb(p.raw.mem.Anon)+" / "+mb(p.raw.mem.File), bench.Ratio(float64(p.head.mem.RSS), float64(p.raw.mem.RSS)))
	}
	worstMarginal := 0.0
	if one != nil {
		for _, p := range all {
			if p.n == 1 {
				continue
			}
			kh := float64(p.head.mem.RSS-one.head.mem.RSS) / float64(p.n-1) / 1024
			kr := float64(p.raw.mem.RSS-one.raw.mem.RSS) / float64(p.n-1) / 1024
			mt.Add(fmt.Sprintf("per extra account, 1 → %d", p.n), bench.F(kh, 1)+" KB", "", "", bench.F(kr, 1)+" KB", "", bench.Ratio(kh, kr))
			worstMarginal = max(worstMarginal, kh)
		}
	}
	mt.Note("idlebell here is bin/idlebell-headless (`make build-headless`: CGO_ENABLED=0, -tags nogui), the build without the tray app; "+
		"the tray app's build in headless mode is in the tray table below. "+
		"VmRSS (RssAnon + RssFile + RssShmem) from /proc/PID/status at the end of the idle window (%v for up to 100 accounts, which idle side by side; 10 s for more, alone), "+
		"all accounts on bin/benchserver (go-imap's in-memory server in its own process; any user logs in) over plaintext loopback. "+
		"rawidle (bench/cmd/rawidle) is the baseline: one go-imap client per account that logs in, selects INBOX and IDLEs, nothing else. "+
		"idlebell reads its password with password_command (`printf`), as configured by users without a keyring.", e.flags.cpuWindow)
	r.add(mt)
	if one != nil {
		r.goal("RSS of the headless process, 1 account", "≤ 15 MB", mb(one.head.mem.RSS), one.head.mem.RSS <= 15<<20)
	}
	if len(all) > 1 {
		r.goal("RSS per extra account (worst of 1 → 100, 1 → 1,000)", "≤ 100 KB", bench.F(worstMarginal, 1)+" KB", worstMarginal <= 100)
	}

	st := &bench.Table{Title: "Start-up: process start to all accounts idle", Header: []string{"Accounts", "idlebell --headless", "idlebell accounts failed instead", "rawidle (baseline)", "idlebell / rawidle"}}
	var failure string
	for _, p := range all {
		st.Add(p.n, bench.F(bench.Ms(p.head.startup), 0)+" ms", len(p.head.failed), bench.F(bench.Ms(p.raw.startup), 0)+" ms", bench.Ratio(float64(p.head.startup), float64(p.raw.startup)))
		if p.n == 100 {
			r.goal("Start-up, 100 accounts", "≤ 2 s", bench.F(bench.Ms(p.head.startup), 0)+" ms", p.head.startup <= 2*time.Second && len(p.head.failed) == 0)
		}
		for a, err := range p.head.failed {
			failure = fmt.Sprintf("With %d accounts, %d failed for good instead of idling (until idlebell restarts), e.g. %s: `%s`. ", p.n, len(p.head.failed), a, err)
			break
		}
		if p.n >= 1000 {
			r.goal(fmt.Sprintf("All %d accounts come up", p.n), "every account idle", fmt.Sprintf("%d failed", len(p.head.failed)), len(p.head.failed) == 0)
		}
	}
	if failure != "" {
		st.Note("%sThe time is then to the last account that did reach IDLE; memory and CPU include the failed accounts (no connection). docs/bench.md says what causes it.", failure)
	}
	st.Note("From just before fork/exec to the server receiving the last account's IDLE command (benchserver reports each IDLE). " +
		"idlebell's start includes reading the config and state, one password_command per account, connect, LOGIN, EXAMINE, STATUS and IDLE; " +
		"rawidle does connect, LOGIN, SELECT and IDLE. Each process starts alone (the ones before it idle meanwhile).")
	r.add(st)

	ct := &bench.Table{Title: "Idle CPU", Header: []string{"Accounts", "idlebell --headless, ms per minute", "(clock ticks)", "rawidle, ms per minute", "idlebell / rawidle"}}
	for _, p := range all {
		hs, ht := perMinute(p.head.cpu, p.head.window)
		rs, _ := perMinute(p.raw.cpu, p.raw.window)
		label := fmt.Sprint(p.n)
		if p.head.window < 30*time.Second {
			label += fmt.Sprintf(" (%v window, start-up just ended)", p.head.window.Round(time.Second))
		}
		ct.Add(label, bench.F(hs, 2), bench.F(ht, 0), bench.F(rs, 2), bench.Ratio(hs, rs))
		if p.n == 1 || p.n == 100 {
			r.goal(fmt.Sprintf("Idle CPU, %d account(s)", p.n), "≤ 10 ms per minute", bench.F(hs, 2)+" ms/min", hs <= 10)
		}
	}
	ct.Note("CPU time over the measured window (%v, one period of the Go runtime's forced GC, so each process's window holds one), scaled to a minute: the sum of the threads' on-CPU time from /proc/PID/task/*/schedstat (ns resolution); "+
		"utime+stime from /proc/PID/stat in 10 ms ticks beside it as a cross-check. The server (bin/benchserver) sends no keepalives, so this is the processes' own timers: "+
		"idlebell's sleep check every 15 s, the Go runtime's background work (the forced GC every 2 min marks the whole heap), and nothing per account unless a timer fires in the window.", e.flags.cpuWindow)
	r.add(ct)
	return nil
}
