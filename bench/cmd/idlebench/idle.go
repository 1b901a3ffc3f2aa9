//go:build linux

package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"

	"idlebell/bench"
	"idlebell/demo"
	"idlebell/imapwatch"
)

// idleWindow is the idle-traffic window with the default timers: one
// watcher on Dovecot over TLS (which sends "* OK Still here" every 2 min),
// one on the in-process server (which sends nothing).
type idleWindow struct {
	dc, ip   *libWatcher
	demo     *demo.Server
	start    time.Time
	dcB, ipB snapshot
	kaB      int64
	tcpPort  int
	tcpB     bench.TCPInfo
	tcpErr   error
	dcUser   string
	ipUser   string
}

func startIdleWindow(e *env) (*idleWindow, error) {
	w := &idleWindow{dcUser: e.user("idle-dc"), ipUser: e.user("idle-ip")}
	a, err := bench.NewAppender(e.plain, w.dcUser, e.password)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	d, err := demo.Start(demo.Options{})
	if err != nil {
		return nil, err
	}
	w.demo = d
	if err := d.AddUser(w.ipUser, e.password); err != nil {
		return nil, err
	}
	for i := range 3 {
		msg := oldMail(i)
		if _, _, err := a.Append("INBOX", msg); err != nil {
			return nil, err
		}
		d.Append(w.ipUser, "INBOX", msg)
	}
	w.dc = startLib(e.accountConfig("idle-dc", e.tls, w.dcUser))
	w.ip = startLib(e.accountConfig("idle-ip", bench.Server{Addr: d.Addr}, w.ipUser))
	for _, l := range []*libWatcher{w.dc, w.ip} {
		if err := l.waitIdle(30 * time.Second); err != nil {
			return nil, err
		}
	}
	// The watcher's is the only connection to the TLS port now: find its
	// socket for the kernel's segment counts.
	_, tlsPort := splitAddr(e.tls.Addr)
	socks, err := bench.TCPSockets("dport = :" + strconv.Itoa(tlsPort))
	if err == nil && len(socks) == 1 {
		w.tcpPort, w.tcpB = socks[0].LocalPort, socks[0]
	} else if err == nil {
		err = fmt.Errorf("%d sockets to the TLS port, want 1", len(socks))
	}
	w.tcpErr = err
	w.start = time.Now()
	w.dcB, w.ipB, w.kaB = snap(w.dc.traffic), snap(w.ip.traffic), w.dc.tap.keepalive.Load()
	logf("idle traffic: window started (%v)", e.flags.idleWindow)
	return w, nil
}

// cycleCost is the bytes of one timer-driven exchange.
type cycleCost struct {
	per    snapshot
	cycles int
	lines  []string // the protocol of one exchange
}

// measureTimer measures a timer-driven exchange (the resync, or the
// liveness check on a silent server) with its timer shortened: each
// exchange ends with one IDLE continuation.
func measureTimer(cfg imapwatch.Config, k int) (cycleCost, error) {
	w := startLib(cfg)
	defer w.close()
	if err := w.waitIdle(30 * time.Second); err != nil {
		return cycleCost{}, err
	}
	p0 := w.tap.plus.Load()
	if !w.tap.waitPlus(p0, time.Minute) {
		return cycleCost{}, fmt.Errorf("%s: no liveness exchange", cfg.Name)
	}
	w.tap.record()
	b0, p1 := snap(w.traffic), w.tap.plus.Load()
	if !w.tap.waitPlus(p1, time.Minute) {
		return cycleCost{}, fmt.Errorf("%s: no liveness exchange", cfg.Name)
	}
	lines := w.tap.record()
	if !w.tap.waitPlus(p1+int64(k)-1, time.Minute) {
		return cycleCost{}, fmt.Errorf("%s: fewer than %d liveness exchanges", cfg.Name, k)
	}
	d := snap(w.traffic).sub(b0)
	n := int(w.tap.plus.Load() - p1)
	return cycleCost{per: snapshot{d.sent / int64(n), d.recv / int64(n)}, cycles: n, lines: lines}, nil
}

// pollCosts measures what one poll costs a plain go-imap client over TLS on
// Dovecot: NOOP on an open, selected connection; and a fresh connection
// (TLS, LOGIN, STATUS, LOGOUT), as cron-style checkers do.
func pollCosts(e *env, user string) (noop, reconnect snapshot, err error) {
	var t imapwatch.Traffic
	c, err := bench.Dial(e.tls, user, e.password, &t, nil)
	if err != nil {
		return
	}
	defer c.Close()
	if _, err = c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return
	}
	const k = 5
	b := snap(&t)
	for range k {
		if err = c.Noop().Wait(); err != nil {
			return
		}
	}
	d := snap(&t).sub(b)
	noop = snapshot{d.sent / k, d.recv / k}
	var sum snapshot
	for range k {
		var t2 imapwatch.Traffic
		c2, err2 := bench.Dial(e.tls, user, e.password, &t2, nil)
		if err2 != nil {
			return noop, reconnect, err2
		}
		if _, err = c2.Status("INBOX", &imap.StatusOptions{NumMessages: true, UIDNext: true, NumUnseen: true}).Wait(); err != nil {
			return
		}
		c2.Logout().Wait()
		c2.Close()
		s := snap(&t2)
		sum.sent += s.sent
		sum.recv += s.recv
	}
	reconnect = snapshot{sum.sent / k, sum.recv / k}
	return
}

func perHour(period time.Duration) float64 { return float64(time.Hour) / float64(period) }

// idleTraffic ends the window and derives the hourly figures.
func idleTraffic(e *env, r *report, w *idleWindow) error {
	defer w.demo.Close()
	defer w.ip.close()
	defer w.dc.close()
	if left := e.flags.idleWindow - time.Since(w.start); left > 0 {
		logf("idle traffic: %v of the window left", left.Round(time.Second))
		time.Sleep(left) // the measured window itself
	}
	win := time.Since(w.start)
	dcW, ipW := snap(w.dc.traffic).sub(w.dcB), snap(w.ip.traffic).sub(w.ipB)
	kas := w.dc.tap.keepalive.Load() - w.kaB
	var segs, dataSegs int64 = -1, -1
	if w.tcpErr == nil {
		socks, err := bench.TCPSockets("sport = :" + strconv.Itoa(w.tcpPort))
		if err == nil && len(socks) == 1 {
			segs, dataSegs = socks[0].SegsOut-w.tcpB.SegsOut, socks[0].DataSegsOut-w.tcpB.DataSegsOut
		} else {
			w.tcpErr = fmt.Errorf("socket %d gone (%v)", w.tcpPort, err)
		}
	}

	logf("idle traffic: timer exchanges (shortened timers)")
	ka := snapshot{}
	if kas > 0 {
		ka = snapshot{dcW.sent / kas, dcW.recv / kas}
	}
	const short = 2 * time.Second
	type job struct {
		name string
		cfg  imapwatch.Config
		out  *cycleCost
		f    func(imapwatch.Config, int) (cycleCost, error)
	}
	var dcResync, dcResyncEmpty, ipResync, ipLive cycleCost
	emptyUser := e.user("idle-empty")
	// An empty mailbox: Dovecot creates INBOX at the first login.
	if c, err := bench.Dial(e.plain, emptyUser, e.password, nil, nil); err == nil {
		c.Logout().Wait()
		c.Close()
	}
	// The resync timer itself, shortened and kept from stretching: each
	// exchange is what the timer sends (DONE, UID SEARCH, IDLE).
	resync := func(c imapwatch.Config) imapwatch.Config {
		c.ResyncInterval, c.MaxResyncInterval, c.LivenessTimeout = short, short, time.Hour
		return c
	}
	live := func(c imapwatch.Config) imapwatch.Config {
		c.ResyncInterval, c.LivenessTimeout = time.Hour, short
		return c
	}
	ipSrv := bench.Server{Addr: w.demo.Addr}
	jobs := []job{
		{"resync, Dovecot", resync(e.accountConfig("cyc-dc", e.tls, w.dcUser)), &dcResync, measureTimer},
		{"resync, Dovecot, empty", resync(e.accountConfig("cyc-dc-empty", e.tls, emptyUser)), &dcResyncEmpty, measureTimer},
		{"resync, in-process", resync(e.accountConfig("cyc-ip", ipSrv, w.ipUser)), &ipResync, measureTimer},
		{"liveness, in-process", live(e.accountConfig("cyc-ip-live", ipSrv, w.ipUser)), &ipLive, measureTimer},
	}
	errs := make(chan error, len(jobs))
	for _, j := range jobs {
		go func() {
			c, err := j.f(j.cfg, 3)
			*j.out = c
			if err != nil {
				err = fmt.Errorf("%s: %w", j.name, err)
			}
			errs <- err
		}()
	}
	for range jobs {
		if err := <-errs; err != nil {
			return err
		}
	}
	noop, reconnect, err := pollCosts(e, w.dcUser)
	if err != nil {
		return err
	}

	// Defaults, from imapwatch/config.go and the servers.
	const (
		// Config.MaxResyncInterval: the resync starts every 10 min
		// (Config.ResyncInterval) and doubles while it finds nothing the
		// push missed, so a healthy account resyncs every 27 min after the
		// first half hour.
		resyncPeriod    = 27 * time.Minute
		livenessPeriod  = 5 * time.Minute // Config.LivenessTimeout
		keepalivePeriod = 2 * time.Minute // Dovecot imap_idle_notify_interval
	)
	dcHour := snapshot{
		sent: int64(perHour(resyncPeriod)*float64(dcResync.per.sent) + perHour(keepalivePeriod)*float64(ka.sent)),
		recv: int64(perHour(resyncPeriod)*float64(dcResync.per.recv) + perHour(keepalivePeriod)*float64(ka.recv)),
	}
	// A silent server: a resync every 27 min, and the liveness check ends
	// IDLE after every 5 min of silence (DONE, re-IDLE).
	ipHour := snapshot{
		sent: int64(perHour(resyncPeriod)*float64(ipResync.per.sent) + perHour(livenessPeriod)*float64(ipLive.per.sent)),
		recv: int64(perHour(resyncPeriod)*float64(ipResync.per.recv) + perHour(livenessPeriod)*float64(ipLive.per.recv)),
	}

	t := &bench.Table{Title: "Idle traffic per account per hour",
		Header: []string{"Server", "idlebell sent", "idlebell received", "idlebell total", "poll every 5 min: NOOP / reconnect", "poll every 1 s: NOOP / reconnect", "idlebell / 5-min NOOP poll"}}
	pollRow := func(n float64) string {
		return bench.Bytes(n*float64(noop.total())) + " / " + bench.Bytes(n*float64(reconnect.total()))
	}
	t.Add("Dovecot, TLS (keepalive every 2 min)", "**"+bench.Bytes(float64(dcHour.sent))+"**", bench.Bytes(float64(dcHour.recv)), bench.Bytes(float64(dcHour.total())),
		pollRow(12), pollRow(3600), bench.Ratio(float64(dcHour.total()), 12*float64(noop.total())))
	t.Add("in-process, plain (no keepalive)", bench.Bytes(float64(ipHour.sent)), bench.Bytes(float64(ipHour.recv)), bench.Bytes(float64(ipHour.total())),
		"–", "–", "–")
	t.Note("Derived, not waited for: bytes per hour = Σ (exchanges per hour from the timer's period × bytes per exchange). "+
		"Periods: idlebell's resync every %v once healthy (it starts at Config.ResyncInterval, 10 min, and doubles up to Config.MaxResyncInterval while no resync finds mail the push missed; a silent drop brings it back to 10 min): DONE, UID SEARCH UID next:*, IDLE, its protocol is in the next table; "+
		"its liveness check after %v of server silence (LivenessTimeout: DONE, IDLE), Dovecot's `* OK Still here` every %v. go-imap's own IDLE restart every 28 min never fires: the resync ends every IDLE within 27 min. "+
		"On Dovecot the keepalives keep the liveness check quiet; on a silent server the liveness check ends every 5 min of IDLE. "+
		"Bytes per exchange are measured in the same run (3 exchanges each, mean) with the timers shortened to %v. See the next table. "+
		"Polls are a go-imap client over TLS on the same Dovecot mailbox: NOOP on an open, selected connection (%s sent + %s received), "+
		"or a fresh connection per poll with TLS, LOGIN, STATUS and LOGOUT (%s + %s).",
		resyncPeriod, livenessPeriod, keepalivePeriod, short, bench.Bytes(float64(noop.sent)), bench.Bytes(float64(noop.recv)),
		bench.Bytes(float64(reconnect.sent)), bench.Bytes(float64(reconnect.recv)))
	seg := "not measured"
	if segs >= 0 {
		seg = fmt.Sprintf("%d TCP segments (%d of them with data: the rest are ACKs and TCP keep-alive probes, 52 B of headers each on loopback, 66 B on Ethernet), i.e. %.0f segments per hour",
			segs, dataSegs, float64(segs)*perHour(win))
	} else if w.tcpErr != nil {
		seg = "not measured: " + w.tcpErr.Error()
	}
	t.Note("Check against a measured window with the default timers: over %v idle, the Dovecot watcher sent %s and received %s (keepalives: %d), the in-process one sent %s and received %s. "+
		"At the TCP level the Dovecot watcher's socket sent %s; the payload bytes above do not include them (Config.KeepAlive is 30 s, so a probe goes out after every 30 s of silence between keepalives).",
		win.Round(time.Second), bench.Bytes(float64(dcW.sent)), bench.Bytes(float64(dcW.recv)), kas, bench.Bytes(float64(ipW.sent)), bench.Bytes(float64(ipW.recv)), seg)
	r.add(t)

	ct := &bench.Table{Title: "Idle traffic: bytes per timer exchange", Header: []string{"Exchange", "period", "per hour", "sent", "received", "protocol (plaintext lines)"}}
	proto := func(lines []string) string {
		s := ""
		for i, l := range lines {
			if len(l) > 60 {
				l = l[:57] + "..."
			}
			if i > 0 {
				s += " · "
			}
			s += "`" + l + "`"
		}
		return s
	}
	ct.Add("Dovecot keepalive (TLS)", keepalivePeriod, bench.F(perHour(keepalivePeriod), 0), bench.Bytes(float64(ka.sent)), bench.Bytes(float64(ka.recv)), "`* OK Still here`")
	ct.Add("resync, Dovecot TLS, 3 messages in INBOX", resyncPeriod, bench.F(perHour(resyncPeriod), 0), bench.Bytes(float64(dcResync.per.sent)), bench.Bytes(float64(dcResync.per.recv)), proto(dcResync.lines))
	ct.Add("resync, Dovecot TLS, empty INBOX", resyncPeriod, bench.F(perHour(resyncPeriod), 0), bench.Bytes(float64(dcResyncEmpty.per.sent)), bench.Bytes(float64(dcResyncEmpty.per.recv)), proto(dcResyncEmpty.lines))
	ct.Add("resync, in-process plain, 3 messages", resyncPeriod, bench.F(perHour(resyncPeriod), 0), bench.Bytes(float64(ipResync.per.sent)), bench.Bytes(float64(ipResync.per.recv)), proto(ipResync.lines))
	ct.Add("liveness check, in-process plain", livenessPeriod, bench.F(perHour(livenessPeriod), 0), bench.Bytes(float64(ipLive.per.sent)), bench.Bytes(float64(ipLive.per.recv)), proto(ipLive.lines))
	ct.Note("The keepalive's bytes are the measured window's received bytes divided by the keepalives in it (TLS record included). " +
		"A timer exchange counts from one IDLE continuation to the next. " +
		"The protocol column is the plaintext of the first exchange as the watcher's trace wrote it (the two directions are traced by different goroutines, so lines may interleave out of order).")
	r.add(ct)
	r.goal("Idle traffic sent per hour, Dovecot (keepalives)", "≤ 300 B/h", bench.Bytes(float64(dcHour.sent))+"/h", dcHour.sent <= 300)
	return nil
}
