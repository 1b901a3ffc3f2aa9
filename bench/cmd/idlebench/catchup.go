//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/emersion/go-imap/v2"

	"idlebell/bench"
	"idlebell/mailtext"
)

// watcherFetch is the first fetch imapwatch sends for new mail
// (newmail.go's fetchNewOptions), for the baseline that fetches the same
// items. Keep it in step with newmail.go.
var watcherFetch = &imap.FetchOptions{UID: true, Flags: true, BodyStructure: &imap.FetchItemBodyStructure{}, BodySection: []*imap.FetchItemBodySection{
	{Specifier: imap.PartSpecifierHeader, HeaderFields: mailtext.HeaderFields, Peek: true},
	{Part: []int{1}, Partial: &imap.SectionPartial{Offset: 0, Size: mailtext.FirstFetch}, Peek: true},
}}

// rawCatchUp is the floor for a catch-up: one client fetching the same items
// of the same messages in one UID FETCH, streamed and dropped.
func rawCatchUp(e *env, user string, from imap.UID) (time.Duration, int, error) {
	t0 := time.Now()
	c, err := bench.Dial(e.plain, user, e.password, nil, nil)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return 0, 0, err
	}
	cmd := c.Fetch(imap.UIDSet{imap.UIDRange{Start: from, Stop: 0}}, watcherFetch)
	n := 0
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		if _, err := msg.Collect(); err != nil {
			return 0, 0, err
		}
		n++
	}
	if err := cmd.Close(); err != nil {
		return 0, 0, err
	}
	return time.Since(t0), n, nil
}

// catchUp delivers messages while idlebell is stopped, then times the
// restart until the last JSON line and reads the process's peak memory.
func catchUp(e *env, r *report) error {
	n := e.flags.catchUp
	user := e.user("catchup")
	a, err := appenderWithOldMail(e.plain, user, e.password)
	if err != nil {
		return err
	}
	defer a.Close()
	host, port := splitAddr(e.plain.Addr)
	accts := []bench.Account{{Name: "catchup", Host: host, Port: port, Security: "none", User: user, Password: e.password}}
	dir := filepath.Join(e.dir, "catchup")
	os.MkdirAll(dir, 0o700)
	// First run: the baseline watermark goes into the state file.
	h, err := bench.StartHeadless(e.flags.headless, dir, accts, 1024)
	if err != nil {
		return err
	}
	if err := h.WaitIdle(30 * time.Second); err != nil {
		h.Stop(5 * time.Second)
		return err
	}
	t0 := time.Now()
	if err := h.Stop(10 * time.Second); err != nil {
		return err
	}
	stopped := time.Since(t0) // SIGTERM, LOGOUT, state saved, exit
	r.goal("SIGTERM to exit, headless, 1 account", "≤ 2 s", bench.F(bench.Ms(stopped), 0)+" ms", stopped <= 2*time.Second)
	st, err := a.Client().Status("INBOX", &imap.StatusOptions{UIDNext: true}).Wait()
	if err != nil {
		return err
	}
	first := st.UIDNext
	logf("catch-up: delivering %d messages while idlebell is stopped", n)
	t0 = time.Now()
	// Into the Maildir, as a local delivery agent would: n APPENDs cost
	// Dovecot an fsync each (about 12 ms here), a minute for 5,000.
	maildir := filepath.Join(e.dovecot.Dir, "mail", user)
	if err := bench.DeliverMaildir(maildir, func(i int) []byte { return bench.Message(fmt.Sprintf("catch-up %d", i), 2000+(i%7)*500) }, n); err != nil {
		return err
	}
	deliver := time.Since(t0)
	rawCold, rawN, err := rawCatchUp(e, user, first)
	if err != nil {
		return err
	}

	h, err = bench.StartHeadless(e.flags.headless, dir, accts, 16384)
	if err != nil {
		return err
	}
	defer h.Stop(10 * time.Second)
	seen := make(map[uint32]int, n)
	var last time.Time
	catchUpLines := 0
	timeout := time.NewTimer(5 * time.Minute)
	defer timeout.Stop()
	for len(seen) < n {
		select {
		case l, ok := <-h.Lines:
			if !ok {
				return fmt.Errorf("idlebell exited after %d of %d lines:\n%s", len(seen), n, h.Tail())
			}
			m, err := bench.ParseMail(l.Text)
			if err != nil {
				continue
			}
			seen[m.UID]++
			if m.CatchUp {
				catchUpLines++
			}
			last = l.At
		case <-timeout.C:
			return fmt.Errorf("catch-up: %d of %d lines after 5 min", len(seen), n)
		}
	}
	took := last.Sub(h.Started)
	mem, err := bench.ReadMem(h.PID())
	if err != nil {
		return err
	}
	if err := h.WaitIdle(30 * time.Second); err != nil {
		return err
	}
	dups := 0
	for _, c := range seen {
		dups += c - 1
	}
	rawWarm, _, err := rawCatchUp(e, user, first)
	if err != nil {
		return err
	}

	t := &bench.Table{Title: fmt.Sprintf("Catch-up: %d messages delivered while idlebell was stopped", n),
		Header: []string{"", "idlebell --headless", "raw go-imap fetch of the same items (baseline)", "idlebell / baseline"}}
	t.Add("start to last JSON line", bench.F(bench.Ms(took), 0)+" ms",
		fmt.Sprintf("%s ms (cold: indexes the new files), %s ms (warm)", bench.F(bench.Ms(rawCold), 0), bench.F(bench.Ms(rawWarm), 0)),
		bench.Ratio(float64(took), float64(rawWarm)))
	t.Add("SIGTERM to exit (the first run, idle)", bench.F(bench.Ms(stopped), 0)+" ms", "–", "–")
	t.Add("peak RSS (VmHWM)", mb(mem.Peak), "–", "–")
	t.Add("RSS after the catch-up", mb(mem.RSS), "–", "–")
	t.Add("lines / distinct UIDs / duplicates / marked catch_up", fmt.Sprintf("%d / %d / %d / %d", len(seen)+dups, len(seen), dups, catchUpLines), fmt.Sprintf("%d messages", rawN), "")
	t.Note("%d messages of 2–5 KB delivered into a Dovecot INBOX's Maildir (tmp/ then new/, as a local delivery agent does; %v) while idlebell was stopped, after a first run had saved its watermark. "+
		"The time runs from fork/exec of the second run to reading the last JSON line on its stdout. "+
		"The baseline is one go-imap client that connects, logs in, selects and fetches the same items "+
		"(`UID FLAGS ENVELOPE BODY.PEEK[HEADER.FIELDS (Content-Type Content-Transfer-Encoding)] BODY.PEEK[TEXT]<0.320>`) of the same messages in one streamed UID FETCH, "+
		"once before idlebell's run (cold: Dovecot indexes the new files then) and once after (warm); the ratio is against the warm one, as idlebell found the index built.", n, deliver.Round(time.Millisecond))
	r.add(t)
	return nil
}
