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
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"os/user"
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

// mailOwner returns the uid/gid mail is stored as, and the names used in the config.
func mailOwner() (uid, gid int, uname, gname string, err error) {
	if os.Getuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return 0, 0, "", "", err
		}
		g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
		if err != nil {
			return 0, 0, "", "", err
		}
		return os.Getuid(), os.Getgid(), u.Username, g.Name, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return 0, 0, "", "", fmt.Errorf("look up user nobody: %w", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		return 0, 0, "", "", fmt.Errorf("look up nobody's group: %w", err)
	}
	return uid, gid, "nobody", g.Name, nil
}

func (d *Dovecot) writeFiles(opts DovecotOptions) error {
	uid, gid, uname, gname, err := mailOwner()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(d.Dir, 0o755); err != nil {
		return err
	}
	if os.Getuid() == 0 {
		if err := makeTraversable(d.Dir); err != nil {
			return err
		}
	}
	for _, sub := range []string{"mail", "home"} {
		p := filepath.Join(d.Dir, sub)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := os.Chown(p, uid, gid); err != nil {
			return err
		}
	}
	for _, sub := range []string{"run", "state"} {
		if err := os.MkdirAll(filepath.Join(d.Dir, sub), 0o755); err != nil {
			return err
		}
	}
	certPEM, keyPEM, err := selfSignedCert()
	if err != nil {
		return fmt.Errorf("generate certificate: %w", err)
	}
	if err := os.WriteFile(d.CAFile, certPEM, 0o644); err != nil {
		return err
	}
	keyFile := filepath.Join(d.Dir, "key.pem")
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return err
	}

	internalUser, loginUser := "dovecot", "dovenull"
	if os.Getuid() != 0 {
		internalUser, loginUser = uname, uname
	}
	_, plainPort, _ := net.SplitHostPort(d.PlainAddr)
	_, tlsPort, _ := net.SplitHostPort(d.TLSAddr)
	var oauthMechs, oauthPassdb, staticMechs string
	if opts.OAuth2IntrospectionURL != "" {
		mechs := opts.OAuth2Mechanisms
		if len(mechs) == 0 {
			mechs = []string{"xoauth2", "oauthbearer"}
		}
		oauthMechs = " " + strings.Join(mechs, " ")
		ext := filepath.Join(d.Dir, "dovecot-oauth2.conf.ext")
		// Dovecot 2.3's oauth2 passdb; see doc.dovecot.org/2.3 configuration_manual/authentication/oauth2.
		conf := fmt.Sprintf("introspection_mode = post\nintrospection_url = %s\nusername_attribute = username\nactive_attribute = active\nactive_value = true\n",
			opts.OAuth2IntrospectionURL)
		if err := os.WriteFile(ext, []byte(conf), 0o644); err != nil {
			return err
		}
		oauthPassdb = fmt.Sprintf("passdb {\n  driver = oauth2\n  mechanisms = %s\n  args = %s\n}\n", strings.Join(mechs, " "), ext)
		staticMechs = "  mechanisms = plain login\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# Written by idlebell/internal/testsession. Private instance; nothing from /etc/dovecot.
protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
instance_name = idlebell-test-%[2]s
default_internal_user = %[3]s
default_login_user = %[4]s
mail_uid = %[5]s
mail_gid = %[6]s
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:%[1]s/mail/%%u:LAYOUT=fs
disable_plaintext_auth = no
auth_mechanisms = plain login%[10]s
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
ssl_min_protocol = TLSv1.2
imap_idle_notify_interval = 2 mins
# Failed logins answer at once and do not slow down later logins from 127.0.0.1 (auth
# penalty): one test's wrong password must not delay the other tests sharing the server.
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
%[11]spassdb {
  driver = static
  args = password=%[7]s
%[12]s}
userdb {
  driver = static
  args = uid=%[5]s gid=%[6]s home=%[1]s/home/%%u allow_all_users=yes
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[8]s
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[9]s
    ssl = yes
  }
  chroot =
}
`, d.Dir, randomHex(4), internalUser, loginUser, uname, gname, d.password, plainPort, tlsPort,
		oauthMechs, oauthPassdb, staticMechs)
	if opts.NoIDLE {
		fmt.Fprintf(&b, "imap_capability = %s\n", noIdleCaps)
	}
	return os.WriteFile(d.Conf, []byte(b.String()), 0o644)
}

// makeTraversable gives "others" search permission on dir's ancestors below the temp dir
// (t.TempDir makes them 0700), so that mail processes running as nobody can reach dir.
// An ancestor outside the temp dir that is closed is reported, not changed.
func makeTraversable(dir string) error {
	tmp, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		tmp = os.TempDir()
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	for p := filepath.Dir(real); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if !strings.HasPrefix(p, tmp+string(filepath.Separator)) {
				return fmt.Errorf("%s is not searchable by nobody (mode %v); use a directory under %s", p, fi.Mode().Perm(), tmp)
			}
			if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
				return err
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

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
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
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

// ErrNotConnected is returned by Kick when user has no connection to drop; a test that races
// its client's login can poll on it.
var ErrNotConnected = errors.New("user has no connection")

// Kick drops all of user's connections; the server stays up.
func (d *Dovecot) Kick(user string) error {
	out, err := d.doveadm(nil, "kick", user)
	if err != nil {
		if bytes.Contains(out, []byte("no users kicked")) {
			return fmt.Errorf("doveadm kick %s: %w", user, ErrNotConnected)
		}
		return fmt.Errorf("doveadm kick %s: %w: %s", user, err, bytes.TrimSpace(out))
	}
	return nil
}

// Deliver delivers msg to user's INBOX the way an MTA does, through dovecot-lda.
func (d *Dovecot) Deliver(user string, msg []byte) error {
	out, err := run(msg, ldaBin, "-c", d.Conf, "-d", user, "-f", envelopeFrom(msg))
	if err != nil {
		return fmt.Errorf("dovecot-lda -d %s: %w: %s", user, err, bytes.TrimSpace(out))
	}
	return nil
}

// DeliverOffline delivers msg to user's INBOX without the daemon, so it works while the
// server is stopped: dovecot-lda runs as the mail owner without -d, taking the user from $USER
// and the home from $HOME, so it needs no userdb lookup. (With -d it asks the auth service,
// which is gone when the server is stopped.)
func (d *Dovecot) DeliverOffline(user string, msg []byte) error {
	uid, gid, _, _, err := mailOwner()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ldaBin, "-c", d.Conf,
		"-o", "log_path=/dev/stderr", // dovecot.log belongs to root
		"-o", "stats_writer_socket_path=", // so does the stats socket, if the server runs
		"-f", envelopeFrom(msg))
	cmd.Env = []string{"USER=" + user, "HOME=" + filepath.Join(d.Dir, "home", user), "PATH=" + os.Getenv("PATH")}
	if os.Getuid() == 0 {
		cmd.SysProcAttr = credentialAttr(uid, gid)
	}
	cmd.Stdin = bytes.NewReader(msg)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("dovecot-lda as %s (offline): %w: %s", user, err, bytes.TrimSpace(out))
	}
	return nil
}

// DeliverTo saves msg into an existing mailbox of user with doveadm save.
func (d *Dovecot) DeliverTo(user, mailbox string, msg []byte) error {
	out, err := d.doveadm(msg, "save", "-u", user, "-m", mailbox)
	if err != nil {
		return fmt.Errorf("doveadm save -u %s -m %s: %w: %s", user, mailbox, err, bytes.TrimSpace(out))
	}
	return nil
}

// CreateMailbox creates mailbox name (hierarchy separator "/") for user.
func (d *Dovecot) CreateMailbox(user, name string) error {
	out, err := d.doveadm(nil, "mailbox", "create", "-u", user, name)
	if err != nil {
		return fmt.Errorf("doveadm mailbox create -u %s %s: %w: %s", user, name, err, bytes.TrimSpace(out))
	}
	return nil
}

// DeleteMailbox deletes mailbox name of user, with its messages.
func (d *Dovecot) DeleteMailbox(user, name string) error {
	out, err := d.doveadm(nil, "mailbox", "delete", "-u", user, name)
	if err != nil {
		return fmt.Errorf("doveadm mailbox delete -u %s %s: %w: %s", user, name, err, bytes.TrimSpace(out))
	}
	return nil
}

// Message returns a minimal RFC 5322 message with Date and Message-ID.
func Message(from, to, subject, body string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", from)
	fmt.Fprintf(&b, "To: %s\r\n", to)
	fmt.Fprintf(&b, "Subject: %s\r\n", subject)
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@idlebell.test>\r\n", randomHex(12))
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
	b.WriteString("\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	if !strings.HasSuffix(body, "\n") {
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// envelopeFrom returns the address in msg's From header, for the envelope sender.
func envelopeFrom(msg []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err == nil {
		if a, err := mail.ParseAddress(m.Header.Get("From")); err == nil {
			return a.Address
		}
	}
	return "sender@example.org"
}

func run(stdin []byte, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// selfSignedCert returns a fresh P-256 certificate for 127.0.0.1 and localhost, valid for a
// day, and its key, both PEM.
func selfSignedCert() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"idlebell test"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}
