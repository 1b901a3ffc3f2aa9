//go:build linux

// Command idlebench measures idlebell against same-run baselines and writes
// BENCHMARKS.md: latency, bytes per new mail, idle traffic, memory, start-up,
// idle CPU and catch-up. `make bench` runs it inside bin/testsession, which
// starts the Dovecot instances and exports their addresses; see
// docs/bench.md for what each section measures and how.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"idlebell/bench"
	"idlebell/internal/testsession"
)

type flags struct {
	out         string
	bin         string // the tray app build
	headless    string // the build measured in headless mode
	server      string
	raw         string
	n           int
	nInProc     int
	gap         time.Duration
	gapInProc   time.Duration
	idleWindow  time.Duration
	cpuWindow   time.Duration
	trayWindow  time.Duration
	accounts    []int
	catchUp     int
	sections    map[string]bool
	bytesTrials int
}

func main() {
	var f flags
	var accounts, sections string
	flag.StringVar(&f.out, "out", "BENCHMARKS.md", "Markdown report to write")
	flag.StringVar(&f.bin, "bin", "bin/idlebell", "the idlebell binary with the tray app (make build)")
	flag.StringVar(&f.headless, "headless-bin", "bin/idlebell-headless", "the idlebell binary measured with --headless (make build-headless: -tags nogui)")
	flag.StringVar(&f.server, "server", "bin/benchserver", "the benchserver helper binary")
	flag.StringVar(&f.raw, "raw", "bin/rawidle", "the rawidle baseline binary")
	flag.IntVar(&f.n, "n", 100, "latency trials on Dovecot")
	flag.IntVar(&f.nInProc, "n-inproc", 200, "latency trials on the in-process server")
	flag.DurationVar(&f.gap, "gap", time.Second, "time between latency trials on Dovecot")
	flag.DurationVar(&f.gapInProc, "gap-inproc", 100*time.Millisecond, "time between latency trials in-process")
	flag.DurationVar(&f.idleWindow, "idle-window", 130*time.Second, "measured idle window for idle traffic (must exceed Dovecot's 2 min keepalive)")
	flag.DurationVar(&f.cpuWindow, "cpu-window", 2*time.Minute, "measured idle window for CPU (2 min: one period of the Go runtime's forced GC)")
	flag.DurationVar(&f.trayWindow, "tray-window", 5*time.Minute, "measured idle window of the tray process")
	flag.StringVar(&accounts, "accounts", "1,100,1000", "account counts for memory and start-up")
	flag.IntVar(&f.catchUp, "catchup", 5000, "messages delivered while idlebell is stopped")
	flag.IntVar(&f.bytesTrials, "bytes-trials", 3, "deliveries per message size for bytes per mail")
	flag.StringVar(&sections, "sections", "latency,bytes,shapes,idle,memory,catchup,tray", "sections to run")
	flag.Parse()
	for _, s := range strings.Split(accounts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fatal(fmt.Errorf("-accounts %q: %w", accounts, err))
		}
		f.accounts = append(f.accounts, n)
	}
	f.sections = make(map[string]bool)
	for _, s := range strings.Split(sections, ",") {
		f.sections[strings.TrimSpace(s)] = true
	}
	if err := run(&f); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "idlebench:", err)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "idlebench: %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// env is the run's servers and scratch space.
type env struct {
	dovecot  *testsession.Dovecot
	password string
	plain    bench.Server
	tls      bench.Server
	desktop  bool
	dir      string
	runID    string
	flags    *flags
}

func (e *env) user(what string) string { return e.runID + "-" + what }

func loadEnv(f *flags) (*env, error) {
	if os.Getenv(testsession.EnvServices) != "1" {
		return nil, fmt.Errorf("%s is not 1: run under bin/testsession (make bench does)", testsession.EnvServices)
	}
	get := func(k string) string { return os.Getenv(k) }
	conf, plain, tlsAddr, ca, pw := get(testsession.EnvDovecotConf), get(testsession.EnvDovecotPlain),
		get(testsession.EnvDovecotTLS), get(testsession.EnvDovecotCA), get(testsession.EnvDovecotPassword)
	if conf == "" || plain == "" || tlsAddr == "" || ca == "" || pw == "" {
		return nil, fmt.Errorf("the Dovecot variables of bin/testsession are incomplete")
	}
	pem, err := os.ReadFile(ca)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	dir, err := os.MkdirTemp("", "idlebench-")
	if err != nil {
		return nil, err
	}
	return &env{
		dovecot:  &testsession.Dovecot{Dir: filepath.Dir(conf), Conf: conf, PlainAddr: plain, TLSAddr: tlsAddr, CAFile: ca},
		password: pw,
		plain:    bench.Server{Addr: plain},
		tls:      bench.Server{Addr: tlsAddr, TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}},
		desktop:  os.Getenv(testsession.EnvDesktop) == "1",
		dir:      dir,
		runID:    fmt.Sprintf("b%d", time.Now().Unix()%100000),
		flags:    f,
	}, nil
}

// goal is one goal of the issue and how this run did.
type goal struct {
	what, target, got string
	met               bool
}

// report collects the sections' tables and goals.
type report struct {
	tables []*bench.Table
	goals  []goal
}

func (r *report) add(t *bench.Table) {
	r.tables = append(r.tables, t)
	var b bytes.Buffer
	t.Markdown(&b)
	os.Stdout.Write(b.Bytes())
}

func (r *report) goal(what, target, got string, met bool) {
	r.goals = append(r.goals, goal{what, target, got, met})
}

func run(f *flags) error {
	e, err := loadEnv(f)
	if err != nil {
		return err
	}
	defer os.RemoveAll(e.dir)
	for _, b := range []string{f.bin, f.headless, f.server, f.raw} {
		if _, err := os.Stat(b); err != nil {
			return fmt.Errorf("%s missing: make bench builds it", b)
		}
	}
	start := time.Now()
	r := &report{}

	// The idle-traffic window must be long (Dovecot's keepalive comes every
	// 2 minutes) but its connections carry nothing else, so it runs beside
	// the latency trials.
	var idleW *idleWindow
	if f.sections["idle"] {
		if idleW, err = startIdleWindow(e); err != nil {
			return fmt.Errorf("idle traffic: %w", err)
		}
	}
	if f.sections["latency"] {
		for _, s := range []string{"dovecot", "inproc"} {
			if err := latency(e, r, s); err != nil {
				return fmt.Errorf("latency (%s): %w", s, err)
			}
		}
	}
	if f.sections["bytes"] {
		if err := bytesPerMail(e, r); err != nil {
			return fmt.Errorf("bytes per mail: %w", err)
		}
	}
	if f.sections["shapes"] {
		if err := realWorldShapes(e, r); err != nil {
			return fmt.Errorf("real-world shapes: %w", err)
		}
	}
	if idleW != nil {
		if err := idleTraffic(e, r, idleW); err != nil {
			return fmt.Errorf("idle traffic: %w", err)
		}
	}
	if f.sections["memory"] {
		if err := processes(e, r); err != nil {
			return fmt.Errorf("memory, start-up, cpu: %w", err)
		}
	}
	if f.sections["catchup"] {
		if err := catchUp(e, r); err != nil {
			return fmt.Errorf("catch-up: %w", err)
		}
	}
	if f.sections["tray"] {
		if err := tray(e, r); err != nil {
			return fmt.Errorf("tray: %w", err)
		}
	}
	took := time.Since(start)
	logf("done in %v", took.Round(time.Second))
	return writeReport(e, r, took)
}

func writeReport(e *env, r *report, took time.Duration) error {
	var b bytes.Buffer
	cpu, cores := bench.Machine()
	dv, _ := exec.Command("dovecot", "--version").Output()
	commit, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	rev := strings.TrimSpace(string(commit))
	if dirty, _ := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); len(dirty) > 0 {
		rev += " with uncommitted changes in the working tree (bin/idlebell is built from it)"
	}
	fmt.Fprintf(&b, "# idlebell benchmarks\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (bench/cmd/idlebench); do not edit by hand. docs/bench.md explains the method.\n\n")
	fmt.Fprintf(&b, "- Date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- Machine: %s, %d cores (shared: other builds may have run at the same time), %s/%s\n", cpu, cores, runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "- Go: %s; Dovecot %s; commit %s\n", runtime.Version(), strings.TrimSpace(string(dv)), rev)
	args := ""
	if len(os.Args) > 1 {
		args = fmt.Sprintf(" (idlebench %s)", strings.Join(os.Args[1:], " "))
	}
	fmt.Fprintf(&b, "- Run: `make bench`%s, the measurements took %v\n\n", args, took.Round(time.Second))
	if len(r.goals) > 0 {
		g := &bench.Table{Title: "Goals", Header: []string{"Goal", "Target", "Measured", "Met"}}
		for _, x := range r.goals {
			met := "**missed**"
			if x.met {
				met = "met"
			}
			g.Add(x.what, x.target, x.got, met)
		}
		g.Markdown(&b)
	}
	for _, t := range r.tables {
		t.Markdown(&b)
	}
	return os.WriteFile(e.flags.out, b.Bytes(), 0o644)
}
