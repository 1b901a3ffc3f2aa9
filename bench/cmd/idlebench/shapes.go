//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"idlebell/bench"
	"idlebell/imapwatch"
	"idlebell/internal/mailcases"
	"idlebell/mailtext"
)

// realWorldShapes delivers every message of internal/mailcases to Dovecot,
// one at a time, and reports per message the bytes idlebell moved over TLS
// (push to the next accepted IDLE, as "Bytes per new mail" counts them) and
// whether the NewMail passes the case's expect.tsv lines. Beside it, what
// Dovecot's own FETCH PREVIEW (RFC 8970) answers for the same message: its
// size in bytes (the PREVIEW item of the answer only) and whether that text,
// cleaned as idlebell cleans, passes the preview lines as it is.
func realWorldShapes(e *env, r *report) error {
	cases, err := mailcases.All()
	if err != nil {
		return err
	}
	user := e.user("shapes")
	a, err := bench.NewAppender(e.plain, user, e.password)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, _, err := a.Append("INBOX", bench.Message("old", 2000)); err != nil {
		return err
	}
	w := startLib(e.accountConfig("shapes", e.tls, user))
	defer w.close()
	if err := w.waitIdle(30 * time.Second); err != nil {
		return err
	}
	t := &bench.Table{
		Title:  "Real-world shapes",
		Header: []string{"Shape", "Message", "idlebell bytes (TLS)", "≤ 1 KB", "idlebell right (expect.tsv)", "idlebell's UID FETCHes", "Dovecot PREVIEW item", "PREVIEW right as sent"},
	}
	worst, wrong, over := 0.0, 0, 0
	for _, c := range cases {
		for _, f := range c.Files {
			w.tap.record() // from here on
			before, plus := snap(w.traffic), w.tap.plus.Load()
			_, uid, err := a.Append("INBOX", mailcases.CRLF(c.Messages[f]))
			if err != nil {
				return err
			}
			tm, ok := w.waitMail(uid, 20*time.Second)
			m := tm.m
			if !ok {
				return fmt.Errorf("%s/%s: no NewMail for uid %d", c.Name, f, uid)
			}
			if !w.tap.waitPlus(plus, 20*time.Second) {
				return fmt.Errorf("%s/%s: no IDLE after uid %d", c.Name, f, uid)
			}
			total := float64(snap(w.traffic).sub(before).total())
			fetches := fetchesOf(w.tap.record())
			worst = max(worst, total)
			right, failed := judge(c, f, func(field string) string { return newMailField(m, field) }, "")
			if !right {
				wrong++
			}
			if total > 1024 {
				over++
			}
			pv, pvBytes, err := dovecotPreview(e, user, uid)
			pvCell, pvRight := "–", "–"
			if err == nil {
				pvCell = bench.Bytes(float64(pvBytes))
				ok, _ := judge(c, f, func(string) string { return pv }, "preview")
				pvRight = yes(ok)
			}
			t.Add(c.Name, f, bench.Bytes(total), yes(total <= 1024), yes(right)+failed, fetches, pvCell, pvRight)
		}
	}
	t.Note("Each message of internal/mailcases (the shared shapes and our own of the same kinds) is APPENDed to Dovecot from another connection; " +
		"idlebell watches over TLS. Bytes are counted on the TCP connection below TLS from the server's push to its acceptance of the next IDLE, one delivery each. " +
		"\"Right\" means every line of the shape's expect.tsv holds for the NewMail (what the JSON line, hooks and bubbles show); a failing field is named. " +
		"\"UID FETCHes\" counts idlebell's commands for the mail from its protocol trace: \"PREVIEW\" when the first asked for the server's PREVIEW, " +
		"\"part read\" when a later one read the chosen part (the PREVIEW was of another part, or could not stand for idlebell's own preview; " +
		"without \"part read\" the PREVIEW was shown). " +
		"The Dovecot PREVIEW columns fetch `UID FETCH uid (PREVIEW)` on a separate plain connection: the size of the PREVIEW item in the answer, and whether Dovecot's text " +
		"passes the shape's preview lines as sent, before idlebell's cleaning (shapes without preview lines pass by default). docs/bench.md says where idlebell uses PREVIEW and why.")
	r.add(t)
	r.goal("Real-world shapes shown right (every expect.tsv line)", "all", fmt.Sprintf("%d wrong", wrong), wrong == 0)
	r.goal("Real-world shapes at most 1 KB per mail, Dovecot over TLS", "all", fmt.Sprintf("%d over, worst %s", over, bench.Bytes(worst)), over == 0)
	return nil
}

// fetchesOf counts the UID FETCH commands in trace lines and says whether
// the first asked for PREVIEW and whether a later one read a body part:
// "1", "1, PREVIEW", "2, PREVIEW, part read".
func fetchesOf(lines []string) string {
	n, preview, partRead := 0, false, false
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 3 || f[1] != "UID" || f[2] != "FETCH" || !strings.HasPrefix(f[0], "T") {
			continue // not a command idlebell sent
		}
		n++
		if n == 1 {
			preview = strings.Contains(l, " PREVIEW")
		} else if i := strings.Index(l, "BODY.PEEK["); i >= 0 && len(l) > i+10 && l[i+10] >= '0' && l[i+10] <= '9' {
			partRead = true
		}
	}
	out := strconv.Itoa(n)
	if preview {
		out += ", PREVIEW"
	}
	if partRead {
		out += ", part read"
	}
	return out
}

// judge checks file's expect.tsv lines (only those of field only, unless
// empty) against get; failed names the fields that failed.
func judge(c mailcases.Case, file string, get func(string) string, only string) (bool, string) {
	ok := true
	var failed []string
	for _, ck := range c.Checks {
		if ck.File != file || only != "" && ck.Field != only {
			continue
		}
		if !ck.Holds(get(ck.Field)) {
			ok = false
			failed = append(failed, ck.Field)
		}
	}
	if ok {
		return true, ""
	}
	return false, " (" + strings.Join(failed, ", ") + ")"
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

// newMailField is a NewMail field under its headless JSON name.
func newMailField(m *imapwatch.NewMail, field string) string {
	switch field {
	case "from":
		return m.FromName
	case "from_address":
		return m.FromAddress
	case "subject":
		return m.Subject
	case "preview":
		return m.Preview
	case "message_id":
		return m.MessageID
	case "date":
		if m.Date.IsZero() {
			return ""
		}
		return m.Date.Format(time.RFC3339)
	}
	return ""
}

// dovecotPreview asks Dovecot for FETCH PREVIEW (RFC 8970) over a plain
// connection of its own. go-imap has no PREVIEW item, hence the raw
// protocol: LOGIN, EXAMINE, UID FETCH, each answered before the next.
func dovecotPreview(e *env, user string, uid uint32) (text string, size int, err error) {
	conn, err := net.DialTimeout("tcp", e.plain.Addr, 5*time.Second)
	if err != nil {
		return "", 0, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	if _, err := br.ReadString('\n'); err != nil {
		return "", 0, err
	}
	cmd := func(tag, line string) ([]byte, error) {
		if _, err := fmt.Fprintf(conn, "%s %s\r\n", tag, line); err != nil {
			return nil, err
		}
		var out []byte
		for {
			l, err := br.ReadBytes('\n')
			if err != nil {
				return nil, err
			}
			out = append(out, l...)
			// A literal {n} at the end of a line: its n bytes follow.
			if s := strings.TrimRight(string(l), "\r\n"); strings.HasSuffix(s, "}") {
				if i := strings.LastIndexByte(s, '{'); i >= 0 {
					n, _ := strconv.Atoi(s[i+1 : len(s)-1])
					lit := make([]byte, n)
					if _, err := io.ReadFull(br, lit); err != nil {
						return nil, err
					}
					out = append(out, lit...)
					continue
				}
			}
			if strings.HasPrefix(string(l), tag+" ") {
				if !strings.HasPrefix(string(l), tag+" OK") {
					return out, fmt.Errorf("%s", strings.TrimSpace(string(l)))
				}
				return out, nil
			}
		}
	}
	if _, err := cmd("a", fmt.Sprintf("LOGIN %s %s", user, e.password)); err != nil {
		return "", 0, err
	}
	if _, err := cmd("b", "EXAMINE INBOX"); err != nil {
		return "", 0, err
	}
	out, err := cmd("c", fmt.Sprintf("UID FETCH %d (PREVIEW)", uid))
	if err != nil {
		return "", 0, err
	}
	s := string(out)
	i := strings.Index(s, "PREVIEW ")
	if i < 0 {
		return "", 0, fmt.Errorf("no PREVIEW in %q", s)
	}
	s = s[i+len("PREVIEW "):]
	switch {
	case strings.HasPrefix(s, "\""):
		j := 1
		var b strings.Builder
		for ; j < len(s) && s[j] != '"'; j++ {
			if s[j] == '\\' {
				j++
			}
			b.WriteByte(s[j])
		}
		return mailtext.Clean(b.String(), mailtext.MaxPreviewRunes), len("PREVIEW ") + j + 1, nil
	case strings.HasPrefix(s, "{"):
		j := strings.Index(s, "}\r\n")
		n, _ := strconv.Atoi(s[1:j])
		return mailtext.Clean(s[j+3:j+3+n], mailtext.MaxPreviewRunes), len("PREVIEW ") + j + 3 + n, nil
	}
	return "", len("PREVIEW NIL"), nil
}
