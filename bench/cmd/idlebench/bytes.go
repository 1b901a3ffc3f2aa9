//go:build linux

package main

import (
	"fmt"
	"regexp"
	"time"

	"github.com/emersion/go-imap/v2"

	"idlebell/bench"
	"idlebell/mailtext"
)

// fullFetch is what a naive notifier fetches: the whole message.
var fullFetch = &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}

// minimalFetch is the reference: UID, ENVELOPE and 200 bytes of text.
var minimalFetch = &imap.FetchOptions{UID: true, Envelope: true, BodySection: []*imap.FetchItemBodySection{
	{Specifier: imap.PartSpecifierText, Partial: &imap.SectionPartial{Offset: 0, Size: 200}, Peek: true},
}}

// envelopeFetch is imapwatch's first fetch with ENVELOPE in place of the
// raw header fields: the other item choice, measured beside it.
var envelopeFetch = &imap.FetchOptions{UID: true, Flags: true, Envelope: true, BodyStructure: &imap.FetchItemBodyStructure{}, BodySection: []*imap.FetchItemBodySection{
	{Part: []int{1}, Partial: &imap.SectionPartial{Offset: 0, Size: mailtext.FirstFetch}, Peek: true},
}}

// measured is one client whose bytes a trial counts.
type measured struct {
	name   string
	before snapshot
	take   func() snapshot
	wait   func(uid uint32, plus int64) error // until its cycle for uid is over
	plus   func() int64
	sizes  map[int][]snapshot

	records  func() snapshot // TLS records, where counted
	recBase  snapshot
	recSizes map[int][]snapshot
}

func libMeasured(name string, w *libWatcher) *measured {
	return &measured{
		name: name, take: func() snapshot { return snap(w.traffic) }, sizes: map[int][]snapshot{},
		plus: w.tap.plus.Load,
		wait: func(uid uint32, plus int64) error {
			if _, ok := w.waitMail(uid, 20*time.Second); !ok {
				return fmt.Errorf("%s: no NewMail for uid %d", name, uid)
			}
			// The cycle ends when the server accepted the new IDLE.
			if !w.tap.waitPlus(plus, 20*time.Second) {
				return fmt.Errorf("%s: no IDLE after uid %d", name, uid)
			}
			return nil
		},
	}
}

// withRecords counts the TLS records p sees for m too: in its snapshots,
// the records sent and received stand for the bytes.
func (m *measured) withRecords(p *bench.RecordProxy) *measured {
	m.records = func() snapshot { return snapshot{p.Sent.Load(), p.Recv.Load()} }
	m.recSizes = map[int][]snapshot{}
	return m
}

func rawMeasured(name string, r *bench.RawIdle) *measured {
	return &measured{
		name: name, take: func() snapshot { return snap(&r.Traffic) }, sizes: map[int][]snapshot{},
		plus: func() int64 { return 0 },
		wait: func(uint32, int64) error {
			select {
			case <-r.Cycles:
				return nil
			case <-time.After(20 * time.Second):
				return fmt.Errorf("%s: no fetch cycle (%v)", name, r.Err())
			}
		},
	}
}

var (
	commandLine = regexp.MustCompile(`^(T\d+) (UID FETCH|FETCH|STATUS|IDLE|NOOP|SELECT|EXAMINE|LOGOUT)\b`)
	statusLine  = regexp.MustCompile(`^(T\d+) (OK|NO|BAD)\b`)
)

// breakdown splits one cycle's plaintext protocol into its commands: each
// line, with its CRLF, counts for the last command the client sent, and a
// tagged status for the command of its tag (the UID FETCH is written right
// behind DONE, so IDLE's OK comes after it).
func breakdown(lines []string) (map[string]int, []string) {
	m := map[string]int{}
	var order []string
	part := "push (* EXISTS, * RECENT)"
	tags := map[string]string{} // the cycle's commands; the IDLE that DONE ends began before it
	done := false
	for _, l := range lines {
		counted := part
		switch {
		case l == "DONE":
			part, counted, done = "DONE + tagged OK", "DONE + tagged OK", true
		case commandLine.MatchString(l):
			sm := commandLine.FindStringSubmatch(l)
			part = sm[2] + " + answer"
			if sm[2] == "IDLE" {
				part = "IDLE + continuation"
			}
			tags[sm[1]], counted = part, part
		case statusLine.MatchString(l):
			if p, ok := tags[statusLine.FindStringSubmatch(l)[1]]; ok {
				counted = p
			} else if done {
				counted = "DONE + tagged OK"
			}
		}
		if _, ok := m[counted]; !ok {
			order = append(order, counted)
		}
		m[counted] += len(l) + 2
	}
	return m, order
}

// bytesPerMail counts what each new mail costs on the connection, below
// TLS, from the push to the server accepting the next IDLE.
func bytesPerMail(e *env, r *report) error {
	pw := e.password
	user := e.user("bytes")
	a, err := appenderWithOldMail(e.plain, user, pw)
	if err != nil {
		return err
	}
	defer a.Close()
	// idlebell over TLS connects through a proxy that counts TLS records.
	recs, err := bench.NewRecordProxy(e.tls.Addr)
	if err != nil {
		return err
	}
	defer recs.Close()
	libTLS := startLib(e.accountConfig("tls", bench.Server{Addr: recs.Addr, TLS: e.tls.TLS}, user))
	defer libTLS.close()
	libPlain := startLib(e.accountConfig("plain", e.plain, user))
	defer libPlain.close()
	rawFull, err := bench.StartRawIdle(e.tls, user, pw, fullFetch)
	if err != nil {
		return err
	}
	defer rawFull.Close()
	rawMin, err := bench.StartRawIdle(e.tls, user, pw, minimalFetch)
	if err != nil {
		return err
	}
	defer rawMin.Close()
	rawProp, err := bench.StartRawIdle(e.tls, user, pw, envelopeFetch)
	if err != nil {
		return err
	}
	defer rawProp.Close()

	d, err := demoWithUser(user, pw)
	if err != nil {
		return err
	}
	defer d.Close()
	ip := bench.Server{Addr: d.Addr}
	libIP := startLib(e.accountConfig("inproc", ip, user))
	defer libIP.close()
	rawIP, err := bench.StartRawIdle(ip, user, pw, fullFetch)
	if err != nil {
		return err
	}
	defer rawIP.Close()
	for _, w := range []*libWatcher{libTLS, libPlain, libIP} {
		if err := w.waitIdle(30 * time.Second); err != nil {
			return err
		}
	}
	dovecotClients := []*measured{
		libMeasured("idlebell TLS", libTLS).withRecords(recs), libMeasured("idlebell plain", libPlain),
		rawMeasured("minimal TLS", rawMin), rawMeasured("full TLS", rawFull), rawMeasured("envelope TLS", rawProp),
	}
	ipClients := []*measured{libMeasured("idlebell in-process", libIP), rawMeasured("full in-process", rawIP)}

	sizes := []int{2_000, 50_000, 5_000_000}
	parts := map[int]map[string]int{}
	var partOrder []string
	trials := e.flags.bytesTrials
	logf("bytes per mail: %v bytes, %d deliveries each", sizes, trials)
	for _, size := range sizes {
		for k := range trials {
			msg := bench.Message(fmt.Sprintf("bytes %d %d", size, k), size)
			libPlain.tap.record()
			run := func(clients []*measured, deliver func() (uint32, error)) error {
				plus := make([]int64, len(clients))
				for i, c := range clients {
					c.before, plus[i] = c.take(), c.plus()
					if c.records != nil {
						c.recBase = c.records()
					}
				}
				uid, err := deliver()
				if err != nil {
					return err
				}
				for i, c := range clients {
					if err := c.wait(uid, plus[i]); err != nil {
						return err
					}
				}
				for _, c := range clients {
					c.sizes[size] = append(c.sizes[size], c.take().sub(c.before))
					if c.records != nil {
						c.recSizes[size] = append(c.recSizes[size], c.records().sub(c.recBase))
					}
				}
				return nil
			}
			if err := run(dovecotClients, func() (uint32, error) {
				_, uid, err := a.Append("INBOX", msg)
				return uid, err
			}); err != nil {
				return err
			}
			lines := libPlain.tap.record()
			if k == 0 {
				m, order := breakdown(lines)
				parts[size] = m
				if partOrder == nil {
					partOrder = order
				}
			}
			if err := run(ipClients, func() (uint32, error) { return d.Append(user, "INBOX", msg) }); err != nil {
				return err
			}
		}
	}

	med := func(c *measured, size int, f func(snapshot) int64) float64 {
		var s bench.Sample
		for _, x := range c.sizes[size] {
			s = append(s, float64(f(x)))
		}
		return s.P(50)
	}
	sent := func(s snapshot) int64 { return s.sent }
	recv := func(s snapshot) int64 { return s.recv }
	tot := func(s snapshot) int64 { return s.total() }
	records := func(c *measured, size int) string {
		var sn, rc bench.Sample
		for _, x := range c.recSizes[size] {
			sn, rc = append(sn, float64(x.sent)), append(rc, float64(x.recv))
		}
		return fmt.Sprintf("%.0f / %.0f", sn.P(50), rc.P(50))
	}
	t := &bench.Table{
		Title:  "Bytes per new mail",
		Header: []string{"Message", "Server, link", "idlebell sent", "idlebell received", "idlebell total", "TLS records sent / received", "minimal client (UID+ENVELOPE+200 B)", "same with ENVELOPE for the header fields", "full fetch (BODY.PEEK[])", "idlebell / full fetch"},
	}
	worst, worstProp := 0.0, 0.0
	for _, size := range sizes {
		lt, lp, mi, fu, pr := dovecotClients[0], dovecotClients[1], dovecotClients[2], dovecotClients[3], dovecotClients[4]
		label := sizeLabel(size)
		t.Add(label, "Dovecot, TLS", bench.Bytes(med(lt, size, sent)), bench.Bytes(med(lt, size, recv)), "**"+bench.Bytes(med(lt, size, tot))+"**",
			records(lt, size), bench.Bytes(med(mi, size, tot)), bench.Bytes(med(pr, size, tot)), bench.Bytes(med(fu, size, tot)), bench.Ratio(med(lt, size, tot), med(fu, size, tot)))
		t.Add(label, "Dovecot, plain", bench.Bytes(med(lp, size, sent)), bench.Bytes(med(lp, size, recv)), bench.Bytes(med(lp, size, tot)), "–", "–", "–", "–", "–")
		li, fi := ipClients[0], ipClients[1]
		t.Add(label, "in-process, plain", bench.Bytes(med(li, size, sent)), bench.Bytes(med(li, size, recv)), bench.Bytes(med(li, size, tot)),
			"–", "–", "–", bench.Bytes(med(fi, size, tot)), bench.Ratio(med(li, size, tot), med(fi, size, tot)))
		worstProp = max(worstProp, med(pr, size, tot))
		worst = max(worst, med(lt, size, tot))
	}
	t.Note("Counted on the TCP connection, below TLS, from the server's push to its acceptance of the next IDLE, for %d deliveries per size (median). "+
		"The message is APPENDed from another connection, which is not counted. TLS records are counted by a proxy between idlebell and Dovecot (bench.RecordProxy); "+
		"each costs ~22 B of header and tag, and idlebell writes its UID FETCH in DONE's record. Every client watches the same mailbox in the same run: "+
		"the minimal client fetches `UID ENVELOPE BODY.PEEK[TEXT]<0.200>`, the full one `BODY.PEEK[]`, each then re-IDLEs. "+
		"2 KB and 50 KB messages are text/plain; the 5 MB one is a short text part and a base64 attachment. "+
		"idlebell fetches `UID FLAGS BODY BODY.PEEK[HEADER.FIELDS (From Subject Date Message-ID)]<0.9999> PREVIEW` from Dovecot, which advertises PREVIEW (RFC 8970), "+
		"and `BODY.PEEK[1]<0.160>` in place of PREVIEW from the in-process server (part 1 is the text of these messages: one round trip either way); "+
		"the ENVELOPE column is a client fetching the same but ENVELOPE in place of the header fields (worst case here %s). docs/bench.md discusses both.", trials, bench.Bytes(worstProp))
	r.add(t)

	bd := &bench.Table{Title: "Bytes per new mail: where they go (Dovecot, plaintext protocol)", Header: []string{"Part"}}
	for _, size := range sizes {
		bd.Header = append(bd.Header, sizeLabel(size))
	}
	for _, p := range partOrder {
		row := []any{p}
		for _, size := range sizes {
			row = append(row, bench.Bytes(float64(parts[size][p])))
		}
		bd.Add(row...)
	}
	row := []any{"total (TLS adds its record overhead on top)"}
	for _, size := range sizes {
		s := 0
		for _, v := range parts[size] {
			s += v
		}
		row = append(row, bench.Bytes(float64(s)))
	}
	bd.Add(row...)
	bd.Note("From the watcher's protocol trace (Config.Trace) of the first delivery per size: each line with its CRLF counts for the last command the client sent, a tagged status line for the command of its tag " +
		"(idlebell writes the UID FETCH right behind DONE, in the same TLS record, so IDLE's OK comes after the FETCH line). " +
		"The fetch is imapwatch/newmail.go's `fetchNewOptions`; a STATUS row appears when the watcher asks the server for the unseen count after a push.")
	r.add(bd)
	r.goal("Bytes per new mail, Dovecot over TLS (worst of 2 KB / 50 KB / 5 MB)", "≤ 1 KB (1,024 B)", bench.Bytes(worst), worst <= 1024)
	return nil
}

func sizeLabel(size int) string {
	switch {
	case size >= 1_000_000:
		return fmt.Sprintf("%d MB", size/1_000_000)
	case size >= 1000:
		return fmt.Sprintf("%d KB", size/1000)
	}
	return fmt.Sprintf("%d B", size)
}
