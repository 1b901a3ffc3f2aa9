package testsession

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

// Bus names the desktop session waits for.
const (
	SecretsName  = "org.freedesktop.secrets"
	NotifyName   = "org.freedesktop.Notifications"
	SNIWatchName = "org.kde.StatusNotifierWatcher"
)

// Desktop is a headless desktop session: Xvfb, a private dbus-daemon without service
// activation (nothing starts behind a test's back), an unlocked gnome-keyring, dunst and
// status-notifier-watcher. Desktop values from FromEnv describe a session another process
// owns; their Stop does nothing.
type Desktop struct {
	Dir        string // logs, bus socket, home
	Display    string // ":N"
	BusAddress string // DBUS_SESSION_BUS_ADDRESS
	Home       string // an empty home whose .local/share/keyrings holds the login keyring

	// Ready lists each service with the time it took to become ready, in start order.
	Ready []ServiceReady

	procs []*process // start order; stopped in reverse
}

// ServiceReady is one service's readiness time.
type ServiceReady struct {
	Name  string
	After time.Duration
}

type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// StartDesktop starts the session in dir (created if missing; keep the path short, the bus
// socket must fit in 108 bytes). Each service is waited for by its own readiness signal:
// Xvfb's -displayfd, dbus-daemon's --print-address, then the owner of each bus name. On
// error everything started is stopped again. The caller must call Stop.
func StartDesktop(dir string) (d *Desktop, err error) {
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	d = &Desktop{Dir: dir, Home: filepath.Join(dir, "home")}
	for _, p := range []string{d.Home, filepath.Join(d.Home, ".local", "share", "keyrings"), filepath.Join(d.Home, ".config"), d.runtimeDir()} {
		if err := os.MkdirAll(p, 0o700); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			_ = d.Stop()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()

	// Xvfb picks a free display and writes its number once it accepts connections.
	start := time.Now()
	out, err := d.startWithFD("Xvfb", nil, "Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	if err != nil {
		return nil, err
	}
	line, err := readLine(ctx, out)
	if err != nil {
		return nil, fmt.Errorf("xvfb display: %w%s", err, d.logTail("Xvfb"))
	}
	d.Display = ":" + strings.TrimSpace(line)
	d.ready("Xvfb "+d.Display, start)

	start = time.Now()
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, busConfig, filepath.Join(dir, "bus")), 0o644); err != nil {
		return nil, err
	}
	out, err = d.startWithFD("dbus-daemon", nil, "dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=3")
	if err != nil {
		return nil, err
	}
	line, err = readLine(ctx, out)
	if err != nil {
		return nil, fmt.Errorf("dbus-daemon address: %w%s", err, d.logTail("dbus-daemon"))
	}
	d.BusAddress = strings.TrimSpace(line)
	conn, err := dbus.Connect(d.BusAddress)
	if err != nil {
		return nil, fmt.Errorf("connect to private bus %s: %w", d.BusAddress, err)
	}
	defer conn.Close()
	d.ready("dbus-daemon", start)

	// The three bus services start in parallel; each is ready when it owns its name.
	services := []struct {
		name, bus string
		stdin     string
		argv      []string
	}{
		// With an empty keyrings dir, the password on stdin creates and unlocks "login".
		{"gnome-keyring-daemon", SecretsName, randomHex(8), []string{"gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"}},
		{"dunst", NotifyName, "", []string{"dunst"}},
		{"status-notifier-watcher", SNIWatchName, "", []string{"status-notifier-watcher"}},
	}
	starts := make([]time.Time, len(services))
	for i, s := range services {
		starts[i] = time.Now()
		var stdin *strings.Reader
		if s.stdin != "" {
			stdin = strings.NewReader(s.stdin)
		}
		if err := d.start(s.name, stdin, s.argv...); err != nil {
			return nil, err
		}
	}
	errs := make([]error, len(services))
	took := make([]time.Duration, len(services))
	var wg sync.WaitGroup
	for i, s := range services {
		wg.Go(func() {
			errs[i] = pollUntil(ctx, func() error {
				if d.exited(s.name) {
					return fmt.Errorf("%s: %w", s.name, errExited)
				}
				return hasOwner(conn, s.bus)
			})
			took[i] = time.Since(starts[i])
		})
	}
	wg.Wait()
	for i, s := range services {
		if errs[i] != nil {
			return nil, fmt.Errorf("wait for %s: %w%s", s.bus, errs[i], d.logTail(s.name))
		}
		d.Ready = append(d.Ready, ServiceReady{Name: s.name, After: took[i]})
	}
	return d, nil
}

func (d *Desktop) ready(name string, start time.Time) {
	d.Ready = append(d.Ready, ServiceReady{Name: name, After: time.Since(start)})
}

func (d *Desktop) runtimeDir() string { return filepath.Join(d.Dir, "runtime") }

// Env returns what a child process (the app under test) needs to join the session, to be
// appended to os.Environ(): the display; the bus (always set: unset, godbus would dbus-launch a
// bus of its own per process); an XDG runtime dir; config and data dirs inside Home, so the
// child never reads or writes the real user's settings; a UTF-8 locale (quiets Fyne).
// HOME is left alone because `go` derives GOCACHE and GOPATH from it; still, do not hand Env
// to a `go` command: it reads its own settings from XDG_CONFIG_HOME.
func (d *Desktop) Env() []string {
	return []string{
		"DISPLAY=" + d.Display,
		"DBUS_SESSION_BUS_ADDRESS=" + d.BusAddress,
		"XDG_RUNTIME_DIR=" + d.runtimeDir(),
		"XDG_CONFIG_HOME=" + filepath.Join(d.Home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(d.Home, ".local", "share"),
		"LANG=en_US.UTF-8",
	}
}

// daemonEnv is the full environment of the session's own daemons.
func (d *Desktop) daemonEnv() []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + d.Home}
	for _, kv := range d.Env() {
		if (strings.HasPrefix(kv, "DISPLAY=") && d.Display == "") ||
			(strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") && d.BusAddress == "") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// start runs argv with output to DIR/<name>.log.
func (d *Desktop) start(name string, stdin *strings.Reader, argv ...string) error {
	_, err := d.startCmd(name, stdin, false, argv...)
	return err
}

// startWithFD runs argv with a pipe as fd 3 and returns its read end.
func (d *Desktop) startWithFD(name string, stdin *strings.Reader, argv ...string) (*os.File, error) {
	return d.startCmd(name, stdin, true, argv...)
}

func (d *Desktop) startCmd(name string, stdin *strings.Reader, fd3 bool, argv ...string) (*os.File, error) {
	logf, err := os.Create(filepath.Join(d.Dir, name+".log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = d.daemonEnv()
	cmd.Dir = d.Home
	cmd.Stdout, cmd.Stderr = logf, logf
	if stdin != nil {
		cmd.Stdin = stdin
	}
	// Own process group: a Ctrl-C on the terminal reaches the tests only, and Stop then ends
	// the session in order. Should this process die without Stop, its daemons follow it.
	cmd.SysProcAttr = childAttr()
	var r, w *os.File
	if fd3 {
		if r, w, err = os.Pipe(); err != nil {
			return nil, err
		}
		cmd.ExtraFiles = []*os.File{w}
	}
	if err := cmd.Start(); err != nil {
		if fd3 {
			r.Close()
			w.Close()
		}
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	if fd3 {
		w.Close()
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	d.procs = append(d.procs, p)
	return r, nil
}

func (d *Desktop) exited(name string) bool {
	for _, p := range d.procs {
		if p.name == name {
			select {
			case <-p.done:
				return true
			default:
			}
		}
	}
	return false
}

func (d *Desktop) logTail(name string) string {
	b, err := os.ReadFile(filepath.Join(d.Dir, name+".log"))
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\n" + name + ".log:\n" + string(b)
}

// PIDs returns the process ids of the services this process started, by name.
func (d *Desktop) PIDs() map[string]int {
	m := make(map[string]int)
	for _, p := range d.procs {
		m[p.name] = p.cmd.Process.Pid
	}
	return m
}

// Stop terminates the services this process started, in reverse order: SIGTERM, then SIGKILL
// after 5 s each, and waits for every one. It returns an error naming any that needed SIGKILL.
func (d *Desktop) Stop() error {
	var errs []error
	for i := len(d.procs) - 1; i >= 0; i-- {
		p := d.procs[i]
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		t := time.NewTimer(5 * time.Second)
		select {
		case <-p.done:
		case <-t.C:
			_ = p.cmd.Process.Kill()
			<-p.done
			errs = append(errs, fmt.Errorf("%s (pid %d) ignored SIGTERM, killed", p.name, p.cmd.Process.Pid))
		}
		t.Stop()
	}
	d.procs = nil
	return errors.Join(errs...)
}

// readLine reads one line from r, closing r; bounded by ctx.
func readLine(ctx context.Context, r *os.File) (string, error) {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		ch <- result{line, err}
	}()
	defer r.Close() // unblocks the reader if ctx ends first
	select {
	case res := <-ch:
		if res.err != nil && res.line == "" {
			return "", res.err
		}
		return res.line, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func hasOwner(conn *dbus.Conn, name string) error {
	var ok bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&ok); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s has no owner", name)
	}
	return nil
}
