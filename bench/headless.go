//go:build linux

package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Account is one [[account]] of a generated config.
type Account struct {
	Name, Host string
	Port       int
	Security   string // none or tls
	CAFile     string
	User       string
	Password   string
}

// WriteConfig writes an idlebell config with accts to path. The password
// comes from password_command (printf, run without a shell), so no keyring
// is needed.
func WriteConfig(path string, accts []Account) error {
	var b strings.Builder
	b.WriteString("version = 1\n")
	for _, a := range accts {
		fmt.Fprintf(&b, "\n[[account]]\nname = %s\nhost = %s\nport = %d\nsecurity = %s\nusername = %s\npassword_command = %s\n",
			strconv.Quote(a.Name), strconv.Quote(a.Host), a.Port, strconv.Quote(a.Security),
			strconv.Quote(a.User), strconv.Quote("printf %s "+a.Password))
		if a.CAFile != "" {
			fmt.Fprintf(&b, "tls_ca_file = %s\n", strconv.Quote(a.CAFile))
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// Line is one line a child wrote, with when the parent read it.
type Line struct {
	At   time.Time
	Text string
}

// Proc is a child process whose stdout lines are timestamped as they
// arrive. Start it with StartProc; Stop ends it.
type Proc struct {
	Name    string
	Cmd     *exec.Cmd
	Started time.Time // just before fork/exec
	Lines   chan Line // stdout, buffered; the reader blocks when it is full

	mu     sync.Mutex
	stderr []string // the last lines, for error reports
	onErr  func(string)
	done   chan struct{}
}

// StartProc starts cmd with its stdout timestamped into Lines and its
// stderr lines passed to onStderr (may be nil), from the reader goroutine.
func StartProc(name string, cmd *exec.Cmd, buffer int, onStderr func(string)) (*Proc, error) {
	p := &Proc{Name: name, Cmd: cmd, Lines: make(chan Line, buffer), onErr: onStderr, done: make(chan struct{})}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errp, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	// Both readers end at EOF, when the child exits.
	go func() {
		defer wg.Done()
		defer close(p.Lines)
		r := bufio.NewReaderSize(out, 64<<10)
		for {
			s, err := r.ReadString('\n')
			if len(s) > 0 {
				p.Lines <- Line{At: time.Now(), Text: strings.TrimRight(s, "\n")}
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(errp)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr = append(p.stderr, line)
			if len(p.stderr) > 40 {
				p.stderr = p.stderr[len(p.stderr)-40:]
			}
			p.mu.Unlock()
			if p.onErr != nil {
				p.onErr(line)
			}
		}
		io.Copy(io.Discard, errp)
	}()
	go func() {
		wg.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID is the child's process id.
func (p *Proc) PID() int { return p.Cmd.Process.Pid }

// Tail is the child's last stderr lines.
func (p *Proc) Tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.stderr, "\n")
}

// Stop sends SIGTERM, waits up to grace, then kills the process group. It
// returns the exit error, if any, other than the signal.
func (p *Proc) Stop(grace time.Duration) error {
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() {
		<-p.done // pipes first: Wait closes them
		exited <- p.Cmd.Wait()
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-exited:
		_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
		var ee *exec.ExitError
		if errors.As(err, &ee) && !ee.Exited() {
			return nil // ended by the signal
		}
		return err
	case <-t.C:
		_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
		<-exited
		return fmt.Errorf("%s did not stop within %v after SIGTERM; killed", p.Name, grace)
	}
}

// Headless is bin/idlebell --headless with its own config and state
// directories. IdleAll is closed once every account reported state idle.
type Headless struct {
	*Proc
	IdleAll chan struct{}
	IdleAt  time.Time // when the last account became idle
	Dir     string

	mu     sync.Mutex
	idle   map[string]bool
	failed map[string]string // account → error, for accounts in state failed
	want   int
}

// logLine is the part of a JSON log line the benchmarks read.
type logLine struct {
	Msg     string `json:"msg"`
	Level   string `json:"level"`
	Account string `json:"account"`
	State   string `json:"state"`
	Err     string `json:"err"`
}

// StartHeadless writes a config for accts under dir and starts bin in
// headless mode with XDG_CONFIG_HOME and XDG_STATE_HOME below dir (the
// state, the watermarks, survives a restart with the same dir).
func StartHeadless(bin, dir string, accts []Account, buffer int) (*Headless, error) {
	cfg := filepath.Join(dir, "config", "idlebell", "config.toml")
	if err := WriteConfig(cfg, accts); err != nil {
		return nil, err
	}
	h := &Headless{IdleAll: make(chan struct{}), Dir: dir, idle: make(map[string]bool), failed: make(map[string]string), want: len(accts)}
	cmd := exec.Command(bin, "--headless", "--config", cfg, "--log-format", "json")
	cmd.Env = append(os.Environ(),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"),
		"HOME="+dir,
	)
	var err error
	h.Proc, err = StartProc(fmt.Sprintf("idlebell --headless (%d accounts)", len(accts)), cmd, buffer, h.onLog)
	if err != nil {
		return nil, err
	}
	return h, nil
}

func (h *Headless) onLog(line string) {
	var l logLine
	if json.Unmarshal([]byte(line), &l) != nil || l.Msg != "state" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if l.State == "failed" {
		h.failed[l.Account] = l.Err
		return
	}
	if l.State != "idle" {
		return
	}
	if h.idle[l.Account] {
		return
	}
	h.idle[l.Account] = true
	if len(h.idle) == h.want {
		h.IdleAt = time.Now()
		close(h.IdleAll)
	}
}

// Idle is how many accounts reported idle so far.
func (h *Headless) Idle() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.idle)
}

// Failed returns the accounts that reported state failed, with the error.
func (h *Headless) Failed() map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]string, len(h.failed))
	for k, v := range h.failed {
		out[k] = v
	}
	return out
}

// WaitIdle waits until every account is idle, the process ends, or timeout.
func (h *Headless) WaitIdle(timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-h.IdleAll:
		return nil
	case <-h.done:
		return fmt.Errorf("%s exited before all accounts were idle:\n%s", h.Name, h.Tail())
	case <-t.C:
		return fmt.Errorf("%s: %d of %d accounts idle after %v:\n%s", h.Name, h.Idle(), h.want, timeout, h.Tail())
	}
}

// Mail is the part of a JSON line the benchmarks read.
type Mail struct {
	Account string `json:"account"`
	UID     uint32 `json:"uid"`
	Subject string `json:"subject"`
	CatchUp bool   `json:"catch_up"`
}

// ParseMail decodes one JSON line of stdout.
func ParseMail(s string) (Mail, error) {
	var m Mail
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}
