package badimap

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/emersion/go-imap/v2"
)

// The behaviours below are the table tests pick from. Each is a sample of a
// kind: combine Rules and hooks for more.

// CutFetch cuts the connection in the middle of the answer to UID FETCH,
// after bytes[i % len(bytes)] bytes the i-th time, times times in all; then
// the server answers in full.
func CutFetch(times int, bytes ...int) Behaviour {
	return Behaviour{Name: "cut fetch", Rules: []*Rule{{Command: "UID FETCH", Times: times, Action: Cut(bytes...)}}}
}

// SilentLogin never answers LOGIN: every later command gets an untagged
// "* OK", never a tagged status.
func SilentLogin() Behaviour {
	return Behaviour{Name: "silent login", Rules: []*Rule{{Command: "LOGIN", Action: Stall()}}}
}

// StallAfter never answers the times first of a command (e.g. "IDLE",
// "UID FETCH"), as a server or middlebox that goes silent at that moment.
func StallAfter(command string, times int) Behaviour {
	return Behaviour{Name: "stall " + command, Rules: []*Rule{{Command: command, Times: times, Action: Stall()}}}
}

// StallNth never answers the n-th command (from 1) of its kind, over all
// connections: e.g. the second UID FETCH of a new mail, the one for its
// Sender.
func StallNth(command string, n int) Behaviour {
	b := Behaviour{Name: fmt.Sprintf("stall %s #%d", command, n)}
	if n > 1 { // Times 0 would pass every one
		b.Rules = append(b.Rules, &Rule{Command: command, Times: n - 1, Action: Pass()})
	}
	b.Rules = append(b.Rules, &Rule{Command: command, Times: 1, Action: Stall()})
	return b
}

// CloseAfterIdle accepts IDLE ("+ idling") and closes the connection at once.
func CloseAfterIdle() Behaviour {
	return Behaviour{Name: "close after idle", Rules: []*Rule{{Command: "IDLE", Action: CloseAfterContinuation()}}}
}

// EndlessSubject answers UID FETCH with an envelope whose subject never ends
// (no closing quote, no CRLF).
func EndlessSubject() Behaviour {
	return Behaviour{Name: "endless line", Rules: []*Rule{{Command: "UID FETCH", Action: Send(func(w io.Writer, cmd Command) error {
		if _, err := fmt.Fprintf(w, "* 1 FETCH (UID %d ENVELOPE (\"Thu, 26 Nov 2026 10:00:00 +0000\" \"", firstUID(cmd)); err != nil {
			return err
		}
		return endless(w)
	})}}}
}

// HugeLiteral answers UID FETCH with a literal announced as {4294967295}
// in item ("ENVELOPE": the subject; "BODY[TEXT]<0>": the text) and sends
// bytes for as long as the connection lasts.
func HugeLiteral(item string) Behaviour {
	return Behaviour{Name: "huge literal in " + item, Rules: []*Rule{{Command: "UID FETCH", Action: Send(func(w io.Writer, cmd Command) error {
		head := fmt.Sprintf("* 1 FETCH (UID %d %s {4294967295}\r\n", firstUID(cmd), item)
		if item == "ENVELOPE" {
			head = fmt.Sprintf("* 1 FETCH (UID %d ENVELOPE (\"Thu, 26 Nov 2026 10:00:00 +0000\" {4294967295}\r\n", firstUID(cmd))
		}
		if _, err := io.WriteString(w, head); err != nil {
			return err
		}
		return endless(w)
	})}}}
}

// EchoLogin refuses every LOGIN with a NO whose text repeats the user name
// and the password.
func EchoLogin() Behaviour {
	return Behaviour{Name: "echo login", Login: func(_ int, user, pass string) error {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: fmt.Sprintf("LOGIN %s %s: no such user or wrong password", user, pass)}
	}}
}

// RefuseLogin answers LOGIN with typ (NO or BAD) and [code] (none when
// empty), times times in all (0: always); afterwards the password decides.
func RefuseLogin(typ imap.StatusResponseType, code imap.ResponseCode, times int) Behaviour {
	var n atomic.Int32
	return Behaviour{Name: "refuse login " + string(code), Login: func(int, string, string) error {
		if times > 0 && int(n.Add(1)) > times {
			return nil
		}
		return &imap.Error{Type: typ, Code: code, Text: "not now"}
	}}
}

// LoginDisabled advertises LOGINDISABLED.
func LoginDisabled() Behaviour {
	return Behaviour{Name: "login disabled", Rules: []*Rule{{Action: Rewrite("CAPABILITY IMAP4rev2 IMAP4rev1", "CAPABILITY IMAP4rev2 IMAP4rev1 LOGINDISABLED")}}}
}

// RefuseSelect answers SELECT and EXAMINE with NO [code] (no code when
// code is empty), times times in all (0: always).
func RefuseSelect(code imap.ResponseCode, times int) Behaviour {
	var n atomic.Int32
	return Behaviour{Name: "refuse select " + string(code), RefuseSelect: func(int, string) error {
		if times > 0 && int(n.Add(1)) > times {
			return nil
		}
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: code, Text: "mailbox not available now"}
	}}
}

// RefuseStatus answers STATUS with NO [code] (no code when code is empty),
// as a server does for a mailbox it has not, or not now; times times in all
// (0: always).
func RefuseStatus(code imap.ResponseCode, times int) Behaviour {
	var n atomic.Int32
	return Behaviour{Name: "refuse status " + string(code), RefuseStatus: func(int, string) error {
		if times > 0 && int(n.Add(1)) > times {
			return nil
		}
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: code, Text: "mailbox not available now"}
	}}
}

// UIDValidity makes SELECT, EXAMINE and STATUS report the UIDVALIDITY f
// returns for a connection: 0, a new value per session (Courier without its
// UID database), ...
func UIDValidity(name string, f func(conn int) uint32) Behaviour {
	return Behaviour{Name: name,
		Select: func(conn int, _ string, d *imap.SelectData) error { d.UIDValidity = f(conn); return nil },
		Status: func(conn int, _ string, d *imap.StatusData) error { d.UIDValidity = f(conn); return nil },
	}
}

// UIDNextBackwards makes UIDNEXT drop by `by` from connection from on,
// with the same UIDVALIDITY.
func UIDNextBackwards(from int, by uint32) Behaviour {
	lower := func(conn int, next imap.UID) imap.UID {
		if conn < from || uint32(next) <= by {
			return next
		}
		return next - imap.UID(by)
	}
	return Behaviour{Name: "uidnext backwards",
		Select: func(conn int, _ string, d *imap.SelectData) error { d.UIDNext = lower(conn, d.UIDNext); return nil },
		Status: func(conn int, _ string, d *imap.StatusData) error { d.UIDNext = lower(conn, d.UIDNext); return nil },
	}
}

// DropExists loses the first n "* N EXISTS" pushes the server sends during
// IDLE (over all connections): the server believes idlebell was told, so a
// NOOP reports nothing either.
func DropExists(n int) Behaviour {
	return Behaviour{Name: "dropped EXISTS", Rules: []*Rule{{Command: "IDLE", Action: DropLine("* ", " EXISTS", n)}}}
}

// UIDValidityPerSession reports a new UIDVALIDITY on every connection, as
// Courier does for a folder no client has opened read-write yet (it keeps
// no UID database before).
func UIDValidityPerSession() Behaviour {
	return UIDValidity("uidvalidity per session", func(conn int) uint32 { return 1000 + uint32(conn) })
}

// ByeInBody is a message whose text has a line "* BYE ..." (and one saying
// the token expired), as a mail quoting a server log would.
func ByeInBody(subject string) []byte {
	return []byte("From: Ops <ops@example.org>\r\nTo: alice@example.org\r\nSubject: " + subject + "\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.org>\r\n" +
		"Content-Type: text/plain; charset=us-ascii\r\n\r\n" +
		"* BYE Session invalidated - AccessTokenExpired\r\n* BYE Server shutting down.\r\nthat is what the log said.\r\n")
}

// firstUID is the first number of a UID FETCH's set ("5:*" → 5).
func firstUID(cmd Command) uint64 {
	f := strings.Fields(cmd.Line)
	if len(f) < 4 {
		return 1
	}
	var n uint64
	fmt.Sscanf(f[3], "%d", &n)
	return max(n, 1)
}

// endless writes bytes without CRLF until the connection fails.
func endless(w io.Writer) error {
	chunk := []byte(strings.Repeat("x", 32<<10))
	for {
		if _, err := w.Write(chunk); err != nil {
			return err
		}
	}
}
