// Package testsession starts and drives the real services idlebell's integration tests run
// against: private Dovecot instances and a headless desktop session (Xvfb, a private D-Bus,
// gnome-keyring, dunst and a StatusNotifier watcher).
//
// `make test` starts them once through cmd/testsession and exports their addresses; tests pick
// them up with FromEnv. A test that needs a server of its own (restarts, failures) calls
// StartDovecot with a t.TempDir.
package testsession

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DovecotOptions tunes one Dovecot instance.
type DovecotOptions struct {
	// NoIDLE makes the server advertise Dovecot's default capabilities minus IDLE and NOTIFY,
	// so that clients which check capabilities fall back to polling. Dovecot still accepts an
	// IDLE command sent anyway.
	NoIDLE bool
	// NoUNSELECT makes the server advertise its capabilities without UNSELECT (RFC 3691), as
	// servers without that extension do. Dovecot still accepts an UNSELECT sent anyway.
	NoUNSELECT bool
	// OAuth2IntrospectionURL, when set, adds an oauth2 passdb: XOAUTH2 and OAUTHBEARER tokens
	// are validated by POSTing token=... to this URL (introspection_mode = post), whose JSON
	// answer must say "active": true and carry the user in "username". LOGIN with Password()
	// keeps working (the readiness probe uses it).
	OAuth2IntrospectionURL string
	// OAuth2Mechanisms are the token mechanisms offered with OAuth2IntrospectionURL, lower
	// case; default both, "xoauth2" and "oauthbearer".
	OAuth2Mechanisms []string
}

// noIdleCaps is Dovecot 2.3's default post-login capability list without IDLE and NOTIFY.
// TestNoIdleCapabilities compares it with what the default instance advertises.
const noIdleCaps = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY " +
	"THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE " +
	"UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH " +
	"ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY " +
	"PREVIEW STATUS=SIZE SAVEDATE LITERAL+"

const (
	dovecotBin = "dovecot"
	doveadmBin = "doveadm"
	ldaBin     = "/usr/lib/dovecot/dovecot-lda"

	readyTimeout = 15 * time.Second
	stopTimeout  = 15 * time.Second
)

// Dovecot is one private Dovecot instance: its own config, state, log and mail under Dir,
// listening on 127.0.0.1 only. Its passdb accepts any user name with Password(), so each test
// picks a fresh user name and gets an empty mailbox of its own.
//
// Methods may be called from any goroutine, but Start and Stop must not race each other.
type Dovecot struct {
	Dir       string // everything lives here: config, run/, state/, mail/, home/, dovecot.log
	Conf      string // dovecot.conf, for doveadm -c
	PlainAddr string // host:port, no TLS (LOGIN allowed in clear text)
	TLSAddr   string // host:port, implicit TLS
	CAFile    string // PEM of the self-signed certificate (SAN IP:127.0.0.1, DNS:localhost)

	password string

	mu   sync.Mutex
	proc *exec.Cmd     // the foreground master when this process started it
	done chan struct{} // closed when proc has been waited for
}

// StartDovecot writes a config and a fresh certificate into dir (created if missing), starts
// Dovecot in the foreground as a child of this process and returns once a LOGIN succeeds on
// both listeners (bounded by 15 s). The caller must call Stop.
//
// Run as root, mail is owned by "nobody": dir and its ancestors below the temp dir are made
// traversable for it. Run as another user, Dovecot runs and stores mail as that user.
func StartDovecot(dir string, opts DovecotOptions) (*Dovecot, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	plain, err := freePort()
	if err != nil {
		return nil, err
	}
	tlsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	d := &Dovecot{
		Dir:       dir,
		Conf:      filepath.Join(dir, "dovecot.conf"),
		PlainAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(plain)),
		TLSAddr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort)),
		CAFile:    filepath.Join(dir, "cert.pem"),
		password:  randomHex(12),
	}
	if err := d.writeFiles(opts); err != nil {
		return nil, fmt.Errorf("prepare dovecot in %s: %w", dir, err)
	}
	if err := d.Start(); err != nil {
		return nil, err
	}
	return d, nil
}

// Password is the password every user name logs in with.
func (d *Dovecot) Password() string { return d.password }

// Start starts Dovecot with the existing config (same ports, same mail) and waits until a
// LOGIN succeeds on both listeners. It fails if the server is already running.
func (d *Dovecot) Start() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.proc != nil {
		return errors.New("dovecot already started")
	}
	becomeSubreaper()
	start := time.Now()
	cmd := exec.Command(dovecotBin, "-F", "-c", d.Conf)
	// Stdio to /dev/null: the daemon keeps inherited pipes open and would hang a reader.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start dovecot: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	d.proc, d.done = cmd, done

	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	err := pollUntil(ctx, func() error {
		select {
		case <-done:
			return errExited
		default:
		}
		if err := d.probeLogin(false); err != nil {
			return err
		}
		return d.probeLogin(true)
	})
	if err != nil {
		d.killLocked()
		return fmt.Errorf("dovecot (%s) not ready after %v: %w%s", d.Conf, time.Since(start).Round(time.Millisecond), err, d.logTail())
	}
	return nil
}

var errExited = errors.New("dovecot exited")

// Stop runs `doveadm stop` and waits until the master process is gone (bounded). Stopping a
// stopped server is not an error.
func (d *Dovecot) Stop() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	pid := d.masterPID()
	if d.proc == nil && pid == 0 {
		return nil
	}
	var stopErr error
	if out, err := d.doveadm(nil, "stop"); err != nil && !bytes.Contains(out, []byte("not running")) {
		stopErr = fmt.Errorf("doveadm stop: %w: %s", err, bytes.TrimSpace(out))
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if d.proc != nil {
		select {
		case <-d.done:
			pgid := d.proc.Process.Pid
			d.proc, d.done = nil, nil
			// The master is gone; its imap processes would linger ~9 s in
			// IDLE before they notice. Stop them as a service manager stops
			// a control group: SIGTERM, on which each says "* BYE Server
			// shutting down." and exits.
			termGroup(pgid)
			if err := reapGroup(ctx, pgid); err != nil {
				// A child that outlives the master by more than stopTimeout
				// (a loaded machine, an imap process still flushing) must
				// not keep the port or the next Start waiting: kill it.
				killGroup(pgid)
				kctx, kcancel := context.WithTimeout(context.Background(), stopTimeout)
				defer kcancel()
				if err := reapGroup(kctx, pgid); err != nil {
					return fmt.Errorf("dovecot %s: %w", d.Conf, err)
				}
			}
			return nil
		case <-ctx.Done():
			d.killLocked()
			return fmt.Errorf("dovecot %s did not stop in %v, killed", d.Conf, stopTimeout)
		}
	}
	// Started by another process (FromEnv): watch the PID.
	if err := pollUntil(ctx, func() error {
		if processAlive(pid) {
			return fmt.Errorf("pid %d still running", pid)
		}
		return nil
	}); err != nil {
		return errors.Join(stopErr, fmt.Errorf("dovecot %s: %w", d.Conf, err))
	}
	return nil
}

// PID returns the master process id, or 0 when the server is not running.
func (d *Dovecot) PID() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.proc != nil {
		return d.proc.Process.Pid
	}
	return d.masterPID()
}

func (d *Dovecot) masterPID() int {
	b, err := os.ReadFile(filepath.Join(d.Dir, "run", "master.pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || !processAlive(pid) {
		return 0
	}
	return pid
}

// killLocked kills the master's process group and waits for it. Used when startup or a
// polite stop failed.
func (d *Dovecot) killLocked() {
	if d.proc == nil {
		return
	}
	pgid := d.proc.Process.Pid
	killGroup(pgid)
	<-d.done
	d.proc, d.done = nil, nil
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	_ = reapGroup(ctx, pgid)
}

func (d *Dovecot) logTail() string {
	b, err := os.ReadFile(filepath.Join(d.Dir, "dovecot.log"))
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\ndovecot.log:\n" + string(b)
}

// probeLogin does one LOGIN on a raw connection; enough to know auth and login work.
func (d *Dovecot) probeLogin(useTLS bool) error {
	addr := d.PlainAddr
	var conn net.Conn
	var err error
	dialer := &net.Dialer{Timeout: time.Second}
	if useTLS {
		addr = d.TLSAddr
		conn, err = tls.DialWithDialer(dialer, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	} else {
		conn, err = dialer.Dial("tcp", addr)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4096)
	read := func(tag string) (string, error) {
		var got []byte
		for {
			n, err := conn.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				return string(got), err
			}
			for _, line := range strings.Split(string(got), "\r\n") {
				if strings.HasPrefix(line, tag) {
					return line, nil
				}
			}
		}
	}
	if _, err := read("* OK"); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if _, err := fmt.Fprintf(conn, "a LOGIN probe %s\r\n", d.password); err != nil {
		return err
	}
	line, err := read("a ")
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	if !strings.HasPrefix(line, "a OK") {
		return fmt.Errorf("login: %s", line)
	}
	_, _ = fmt.Fprint(conn, "b LOGOUT\r\n")
	return nil
}

func (d *Dovecot) doveadm(stdin []byte, args ...string) ([]byte, error) {
	return run(stdin, doveadmBin, append([]string{"-c", d.Conf}, args...)...)
}
