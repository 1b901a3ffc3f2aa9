package testsession

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

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
