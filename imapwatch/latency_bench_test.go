package imapwatch_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"idlebell/demo"
	"idlebell/imapwatch"
)

// BenchmarkNewMailInProcess is one new mail end to end on the in-process
// server: APPEND, the server's EXISTS push, DONE, the fetch, the NewMail
// event on the channel. ns/op is the latency; wire-B/mail the bytes on the
// connection per mail in steady state (a mail's STATUS and re-IDLE follow
// its event and are counted in the next iteration).
// bench/cmd/idlebench measures the same against a raw client and Dovecot.
func BenchmarkNewMailInProcess(b *testing.B) {
	srv, err := demo.Start(demo.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if err := srv.AddUser("bench", "pw"); err != nil {
		b.Fatal(err)
	}
	h, p, _ := net.SplitHostPort(srv.Addr)
	port, _ := strconv.Atoi(p)
	var traffic imapwatch.Traffic
	m := imapwatch.NewManager(imapwatch.Options{})
	defer m.Close()
	m.Apply([]imapwatch.Config{{
		Name: "bench", Host: h, Port: port, Security: imapwatch.SecurityNone, Username: "bench",
		Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: 2 * time.Minute,
		Password: func(context.Context) (string, error) { return "pw", nil },
		Traffic:  &traffic,
	}})
	wait := func(what string, match func(imapwatch.Event) bool) {
		t := time.NewTimer(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case ev := <-m.Events():
				if match(ev) {
					return
				}
			case <-t.C:
				b.Fatalf("%s: no event within 10 s", what)
			}
		}
	}
	wait("state idle", func(ev imapwatch.Event) bool {
		s, ok := ev.(*imapwatch.StateChange)
		return ok && s.State == imapwatch.StateIdle
	})
	msg := func(i int) []byte {
		return fmt.Appendf(nil, "From: A <a@example.org>\r\nSubject: bench %d\r\nDate: %s\r\nContent-Type: text/plain\r\n\r\n%0500d\r\n",
			i, time.Now().Format(time.RFC1123Z), i)
	}
	start := traffic.Sent.Load() + traffic.Received.Load()
	for i := 0; b.Loop(); i++ {
		uid, err := srv.Append("bench", "INBOX", msg(i))
		if err != nil {
			b.Fatal(err)
		}
		wait(fmt.Sprintf("NewMail uid %d (iteration %d)", uid, i), func(ev imapwatch.Event) bool {
			n, ok := ev.(*imapwatch.NewMail)
			return ok && n.UID == uid
		})
	}
	b.ReportMetric(float64(traffic.Sent.Load()+traffic.Received.Load()-start)/float64(b.N), "wire-B/mail")
}
