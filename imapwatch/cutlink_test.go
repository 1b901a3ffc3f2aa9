package imapwatch

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"idlebell/internal/badimap"
	"idlebell/internal/testsession"
)

// A link that cuts every UID FETCH answer (at a different byte each time,
// some before the first message is whole) still delivers every mail, once
// and none blank, with the real backoff and connection limit, in a few
// minutes of the account's clock: complete messages are handed on while
// the answer streams, and after a cut the next fetch asks for fewer. Mail
// whose text needs a second round trip and mail whose sender needs Sender
// get theirs too.
func TestCutEveryFetchStillDelivers(t *testing.T) {
	cuts := everyFetchCut()
	srv, cfg := startBad(t, cuts)
	cutEveryFetch(t, cfg, cuts, badDeliver(t, srv), srv.Conns)
}

// The same through a proxy in front of Dovecot.
func TestDovecotCutEveryFetch(t *testing.T) {
	env := testsession.FromEnv(t)
	t.Parallel()
	srv := &dovecotServer{d: env.Dovecot}
	user, cfg := srv.newUser(t)
	cuts := everyFetchCut()
	p := newProxy(t, cfg.Addr(), cuts)
	cfg.Host, cfg.Port = p.hostPort(t)
	cutEveryFetch(t, cfg, cuts, func(msg []byte) { srv.deliver(t, user, "INBOX", msg) }, p.Conns)
}

// everyFetchCut cuts every UID FETCH answer, a few bytes to a few messages
// into it.
func everyFetchCut() badimap.Behaviour {
	return badimap.CutFetch(0, 30, 450, 150, 900, 600, 90, 1300, 520)
}

func cutEveryFetch(t *testing.T, cfg Config, cuts badimap.Behaviour, deliver func([]byte), conns func() []time.Time) {
	clk := newStepClock()
	_, c := faultManager(t, cfg, Options{timers: clk, connLimit: connLimit, connWindow: connWindow})
	c.waitState(t, StateIdle, wait)
	start := clk.Now()
	var want []string
	for i := range 20 {
		subj := fmt.Sprintf("over a bad link %d", i)
		want = append(want, subj)
		switch i % 5 {
		case 3: // the text is part 1.1: a second round trip
			deliver(multipartMessage(subj))
		case 4: // From names a group only: Sender is fetched
			deliver(groupFromMessage(subj))
		default:
			deliver(testMessage(i, subj))
		}
	}
	got := c.mailsOnStepClock(t, clk, start, want[len(want)-1])
	sentinel := "sentinel after the bad link"
	deliver(testMessage(99, sentinel))
	got = append(got, c.mailsOnStepClock(t, clk, start, sentinel)...)
	assertOnce(t, got, append(want, sentinel)...)
	blank := 0
	for _, m := range got {
		if m.Subject == "" || m.FromAddress == "" || m.Preview == "" {
			t.Errorf("mail %d announced blank: subject %q, from %q, preview %q", m.UID, m.Subject, m.FromAddress, m.Preview)
			blank++
		}
	}
	for len(c.states) > 0 {
		if ev := <-c.states; ev.State == StateReconnecting && !errors.Is(ev.Err, ErrConnectionLost) {
			t.Errorf("reconnecting because %v, want ErrConnectionLost", ev.Err)
		}
	}
	fired := cuts.Rules[0].Fired()
	t.Logf("every FETCH cut (%d cuts): %d mails announced, %d blank, %d connections, in %s of the account's clock",
		fired, len(got), blank, len(conns()), clk.Now().Sub(start).Round(time.Second))
	if fired < 20 {
		t.Errorf("the link cut %d FETCH answers, want at least 20: the test did not test a bad link", fired)
	}
}

// mailsOnStepClock collects mails until the one with subject last, moving
// clk to its next timer whenever the watcher waits on it (backoff, the
// connection limit, health). It fails when more than tooLong passed on clk
// since start: a watcher that makes no progress on the link backs off ever
// longer and never gets there.
func (c *collector) mailsOnStepClock(t *testing.T, clk *stepClock, start time.Time, last string) []*NewMail {
	t.Helper()
	const tooLong = 15 * time.Minute
	var out []*NewMail
	stuck := time.After(2 * wait) // real time: only for a hang
	for {
		select {
		case m := <-c.mails:
			out = append(out, m)
			if m.Subject == last {
				return out
			}
			continue
		case <-clk.changed:
		case <-stuck:
			t.Fatalf("mail %q not announced; %d others; %s passed on the account's clock", last, len(out), clk.Now().Sub(start))
		}
		if at, ok := clk.next(); ok {
			if at.Sub(start) > tooLong {
				t.Fatalf("mail %q not announced within %s of the account's clock; %d others", last, tooLong, len(out))
			}
			clk.advance(at)
		}
	}
}

// next returns when the earliest pending timer is due.
func (c *stepClock) next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var at time.Time
	for _, tm := range c.timers {
		if at.IsZero() || tm.at.Before(at) {
			at = tm.at
		}
	}
	return at, !at.IsZero()
}

// multipartMessage is an Outlook-like message: its text is part 1.1, after
// part 1 (multipart/alternative) and before an attachment.
func multipartMessage(subject string) []byte {
	return []byte("From: Ann <ann@example.org>\r\nTo: someone@example.org\r\nSubject: " + subject + "\r\n" +
		"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <" + fmt.Sprint(time.Now().UnixNano()) + "@multi.example.org>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
		"--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n" +
		"--inner\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe report is attached.\r\n" +
		"--inner\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>The report is attached.</p>\r\n--inner--\r\n" +
		"--outer\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--outer--\r\n")
}

// groupFromMessage names a group only in From; its sender is in Sender.
func groupFromMessage(subject string) []byte {
	return []byte("From: Team:;\r\nSender: Bob <bob@example.org>\r\nTo: someone@example.org\r\nSubject: " + subject + "\r\n" +
		"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <" + fmt.Sprint(time.Now().UnixNano()) + "@group.example.org>\r\n" +
		"Content-Type: text/plain; charset=us-ascii\r\n\r\nFor the whole team.\r\n")
}
