//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"idlebell/bench"
	"idlebell/demo"
)

// timedUID is a JSON line's UID and when the benchmark read it.
type timedUID struct {
	at  time.Time
	uid uint32
}

// headlessMails turns the child's stdout into timed UIDs. It ends when the
// child's stdout closes.
func headlessMails(h *bench.Headless) chan timedUID {
	ch := make(chan timedUID, 16384)
	go func() {
		defer close(ch)
		for l := range h.Lines {
			if m, err := bench.ParseMail(l.Text); err == nil {
				ch <- timedUID{l.At, m.UID}
			}
		}
	}()
	return ch
}

func waitUID(ch chan timedUID, uid uint32, timeout time.Duration) (time.Time, bool) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				return time.Time{}, false
			}
			if m.uid == uid {
				return m.at, true
			}
		case <-t.C:
			return time.Time{}, false
		}
	}
}

// latency runs the trials on one server: every APPEND is watched at once by
// the raw client, the library and the headless binary, all on the same
// mailbox; each figure is the time from sending APPEND to that client
// knowing of the mail.
func latency(e *env, r *report, server string) error {
	pw := e.password
	user := e.user("lat-" + server)
	var srv bench.Server
	var appendMsg func([]byte) (time.Time, uint32, error)
	n, gap, timeout := e.flags.n, e.flags.gap, 10*time.Second
	title := "Dovecot " + dovecotVersion()
	switch server {
	case "dovecot":
		srv = e.plain
		a, err := bench.NewAppender(srv, user, pw)
		if err != nil {
			return err
		}
		defer a.Close()
		appendMsg = func(m []byte) (time.Time, uint32, error) { return a.Append("INBOX", m) }
	default:
		d, err := demo.Start(demo.Options{})
		if err != nil {
			return err
		}
		defer d.Close()
		if err := d.AddUser(user, pw); err != nil {
			return err
		}
		srv = bench.Server{Addr: d.Addr}
		appendMsg = func(m []byte) (time.Time, uint32, error) {
			t := time.Now()
			uid, err := d.Append(user, "INBOX", m)
			return t, uid, err
		}
		n, gap, timeout = e.flags.nInProc, e.flags.gapInProc, 5*time.Second
		title = "in-process go-imap server"
	}
	// The mailbox is not empty in real life.
	for i := range 3 {
		if _, _, err := appendMsg(oldMail(i)); err != nil {
			return err
		}
	}
	raw, err := bench.StartRawIdle(srv, user, pw, nil)
	if err != nil {
		return err
	}
	defer raw.Close()
	// A second raw client: its difference to the first is the noise floor
	// of the overhead columns (the server serves each connection on its own).
	raw2, err := bench.StartRawIdle(srv, user, pw, nil)
	if err != nil {
		return err
	}
	defer raw2.Close()
	lib := startLib(e.accountConfig("lib", srv, user))
	defer lib.close()
	host, port := splitAddr(srv.Addr)
	dir := filepath.Join(e.dir, "lat-"+server)
	os.MkdirAll(dir, 0o700)
	h, err := bench.StartHeadless(e.flags.headless, dir, []bench.Account{{Name: "h", Host: host, Port: port, Security: "none", User: user, Password: pw}}, 16384)
	if err != nil {
		return err
	}
	defer h.Stop(5 * time.Second)
	hm := headlessMails(h)
	// rawidle, the raw client in a process of its own, printing a line per
	// EXISTS: the same process and pipe hop as the headless binary's line.
	rp, err := bench.StartProc("rawidle", exec.Command(e.flags.raw, "-addr", srv.Addr, "-password", pw, user), 4096, nil)
	if err != nil {
		return err
	}
	defer rp.Stop(5 * time.Second)
	rpExists, rpIdle := make(chan time.Time, 4096), make(chan struct{}, 1)
	go func() {
		for l := range rp.Lines {
			if strings.HasPrefix(l.Text, "exists ") {
				rpExists <- l.At
			} else if strings.HasPrefix(l.Text, "idle ") {
				rpIdle <- struct{}{}
			}
		}
	}()
	if err := lib.waitIdle(30 * time.Second); err != nil {
		return err
	}
	if err := h.WaitIdle(30 * time.Second); err != nil {
		return err
	}
	logf("latency on %s: %d trials, %v apart", server, n, gap)

	select {
	case <-rpIdle:
	case <-time.After(30 * time.Second):
		return fmt.Errorf("rawidle did not start:\n%s", rp.Tail())
	}
	var rawS, raw2S, rpS, libS, headS bench.Sample
	missing := 0
	start := time.Now()
	// Trial -1 warms every path up and is not counted.
	for i := -1; i < n; i++ {
		if next := start.Add(time.Duration(i+1) * gap); time.Until(next) > 0 {
			time.Sleep(time.Until(next)) // the trials' spacing, not a wait for a result
		}
		for _, r := range []*bench.RawIdle{raw, raw2} {
			for len(r.Exists) > 0 {
				<-r.Exists
			}
		}
		for len(rpExists) > 0 {
			<-rpExists
		}
		sent, uid, err := appendMsg(bench.Message(fmt.Sprintf("latency %d", i), 2000))
		if err != nil {
			return err
		}
		var tRaw, tRaw2 time.Time
		select {
		case tRaw = <-raw.Exists:
		case <-time.After(timeout):
		}
		select {
		case tRaw2 = <-raw2.Exists:
		case <-time.After(timeout):
		}
		var tRP time.Time
		select {
		case tRP = <-rpExists:
		case <-time.After(timeout):
		}
		mLib, okLib := lib.waitMail(uid, timeout)
		tLib := mLib.at
		tHead, okHead := waitUID(hm, uid, timeout)
		if tRaw.IsZero() || tRaw2.IsZero() || tRP.IsZero() || !okLib || !okHead {
			missing++
			logf("latency %s trial %d: raw %v lib %v headless %v", server, i, !tRaw.IsZero(), okLib, okHead)
			continue
		}
		if i < 0 {
			continue
		}
		rawS = append(rawS, bench.Ms(tRaw.Sub(sent)))
		raw2S = append(raw2S, bench.Ms(tRaw2.Sub(sent)))
		rpS = append(rpS, bench.Ms(tRP.Sub(sent)))
		libS = append(libS, bench.Ms(tLib.Sub(sent)))
		headS = append(headS, bench.Ms(tHead.Sub(sent)))
	}
	if len(rawS) == 0 {
		return fmt.Errorf("no trial completed")
	}
	t := &bench.Table{
		Title:  "Latency: " + title,
		Header: []string{"Client", "n", "p50 ms", "p90 ms", "p99 ms", "overhead p50 ms", "overhead p90 ms", "overhead p99 ms", "p50 vs raw"},
	}
	row := func(name string, s bench.Sample) {
		d := bench.Diff(s, rawS)
		t.Add(name, len(s), bench.F(s.P(50), 1), bench.F(s.P(90), 1), bench.F(s.P(99), 1),
			bench.F(d.P(50), 2), bench.F(d.P(90), 2), bench.F(d.P(99), 2), bench.Ratio(s.P(50), rawS.P(50)))
	}
	t.Add("raw go-imap IDLE client (baseline: EXISTS seen)", len(rawS), bench.F(rawS.P(50), 1), bench.F(rawS.P(90), 1), bench.F(rawS.P(99), 1), "–", "–", "–", "×1.00")
	row("second raw client (noise floor of the overhead)", raw2S)
	row("rawidle: raw client in its own process, line read from its stdout", rpS)
	row("imapwatch library (NewMail event)", libS)
	row("idlebell --headless (JSON line read from its stdout)", headS)
	t.Note("Each trial APPENDs one 2 KB message to a mailbox that every client in the table watches at the same time, "+
		"over plaintext loopback; times run from sending APPEND to the client knowing of the mail. "+
		"Overhead is the per-trial difference to the raw client, so what both share (the server's own delay, the machine's load) cancels. "+
		"%d trials %v apart, after one warm-up trial; %d incomplete trials left out. Percentiles by nearest rank. "+
		"The second raw client shows the noise floor (two identical clients differ by this much); rawidle (bench/cmd/rawidle) the cost of a process and a pipe, "+
		"which the headless binary pays too: idlebell's own share of the headless overhead is its difference to rawidle's (%s ms at p50).",
		len(rawS), gap, missing, bench.F(bench.Diff(headS, rpS).P(50), 2))
	if server == "dovecot" {
		t.Note("Dovecot holds every IDLE push back 500 ms (NOTIFY_DELAY_MSECS), which is the raw client's figure: the floor for any client.")
	}
	r.add(t)

	for _, c := range []struct {
		name string
		s    bench.Sample
	}{{"library", libS}, {"headless", headS}} {
		d := bench.Diff(c.s, rawS)
		if server == "dovecot" {
			r.goal("Latency overhead on Dovecot, p50, "+c.name, "≤ 3 ms", bench.F(d.P(50), 2)+" ms", d.P(50) <= 3)
			r.goal("Latency overhead on Dovecot, p99, "+c.name, "≤ 10 ms", bench.F(d.P(99), 2)+" ms", d.P(99) <= 10)
		} else {
			r.goal("Latency overhead in-process, p50, "+c.name, "≤ 1 ms", bench.F(d.P(50), 2)+" ms", d.P(50) <= 1)
		}
	}
	return nil
}

func dovecotVersion() string {
	out, _ := execOutput("dovecot", "--version")
	v, _, _ := strings.Cut(out, " ")
	return v
}
