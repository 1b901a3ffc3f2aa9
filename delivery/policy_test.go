package delivery

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"idlebell/imapwatch"
	"idlebell/settings"
)

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func mail(account string, uid uint32, from string) *imapwatch.NewMail {
	return &imapwatch.NewMail{Account: account, Mailbox: "INBOX", UID: uid, UIDValidity: 7, FromName: from, Subject: fmt.Sprintf("subject %d", uid), Preview: "preview"}
}

func cfgWith(maxBubbles int, preview bool, accounts ...string) *settings.Config {
	c := settings.Default()
	c.Notifications.MaxBubbles = maxBubbles
	c.Notifications.Preview = preview
	for _, a := range accounts {
		c.Accounts = append(c.Accounts, settings.NewAccount(a))
	}
	return c
}

func TestPolicyBurstBecomesOneSummaryUpdatedInPlace(t *testing.T) {
	p := NewPolicy(cfgWith(3, true, "Work"))
	var got []Bubble
	names := []string{"Alice", "Bob", "Carol", "Dave", "Eve", "Alice", "Frank", "Gina", "Hank", "Ivy", "Jo", "Kim"}
	for i, n := range names {
		got = append(got, p.Mail(mail("Work", uint32(i+1), n), t0.Add(time.Duration(i)*time.Second))...)
	}
	if len(got) != 12 {
		t.Fatalf("12 mails made %d bubbles, want 12 (3 single, 9 summary updates)", len(got))
	}
	for i, b := range got[:3] {
		if b.Kind != KindMail || b.Title != names[i] || b.Mail == nil || b.Mail.UID != uint32(i+1) {
			t.Errorf("bubble %d = %+v, want a single for %s", i, b, names[i])
		}
	}
	key := got[3].Key
	if got[3].Kind != KindSummary || got[3].Replace {
		t.Errorf("first summary = %+v, want a new summary bubble", got[3])
	}
	for i, b := range got[4:] {
		if b.Kind != KindSummary || !b.Replace || b.Key != key {
			t.Errorf("summary update %d = %+v, want Replace of key %q", i, b, key)
		}
	}
	last := got[len(got)-1]
	if want := "12 new messages in Work"; last.Title != want {
		t.Errorf("last summary title = %q, want %q", last.Title, want)
	}
	if want := "from Alice, Bob and others"; last.Body != want {
		t.Errorf("last summary body = %q, want %q", last.Body, want)
	}
}

func TestPolicyWindowIsPerAccountAndSlides(t *testing.T) {
	p := NewPolicy(cfgWith(2, false, "Work", "Home"))
	kinds := func(bs []Bubble) string {
		var s []string
		for _, b := range bs {
			s = append(s, [...]string{"mail", "summary", "digest"}[b.Kind])
		}
		return strings.Join(s, ",")
	}
	steps := []struct {
		name string
		m    *imapwatch.NewMail
		at   time.Duration
		want string
	}{
		{"first", mail("Work", 1, "A"), 0, "mail"},
		{"second", mail("Work", 2, "B"), time.Second, "mail"},
		{"other account has its own budget", mail("Home", 3, "C"), 2 * time.Second, "mail"},
		{"third in a minute", mail("Work", 4, "D"), 3 * time.Second, "summary"},
		{"summary takes the rest of its minute", mail("Work", 5, "E"), 50 * time.Second, "summary"},
		{"its minute over, single bubbles resume", mail("Work", 6, "F"), 63 * time.Second, "mail"},
		{"although mail keeps coming", mail("Work", 7, "G"), 70 * time.Second, "mail"},
		{"until the next burst", mail("Work", 8, "H"), 75 * time.Second, "summary"},
	}
	for _, s := range steps {
		if got := kinds(p.Mail(s.m, t0.Add(s.at))); got != s.want {
			t.Errorf("%s: Mail(%d) = %s, want %s", s.name, s.m.UID, got, s.want)
		}
	}
}

func TestPolicyCatchUpIsOneDigestPerBatch(t *testing.T) {
	p := NewPolicy(cfgWith(3, true, "Work"))
	for i := range 5 {
		m := mail("Work", uint32(i+1), fmt.Sprintf("S%d", i))
		m.CatchUp = true
		if bs := p.Mail(m, t0); len(bs) != 0 {
			t.Fatalf("catch-up Mail made %d bubbles before its Batch, want 0", len(bs))
		}
	}
	bs := p.Batch(&imapwatch.Batch{Account: "Work", Mailbox: "INBOX", Count: 5, CatchUp: true}, t0)
	if len(bs) != 1 || bs[0].Kind != KindDigest {
		t.Fatalf("Batch = %+v, want one digest", bs)
	}
	if bs[0].Title != "5 new messages in Work" || bs[0].Body != "while you were away — from S0, S1 and others" {
		t.Errorf("digest = %q / %q", bs[0].Title, bs[0].Body)
	}
	// One catch-up mail is just a bubble.
	m := mail("Work", 9, "Solo")
	m.CatchUp = true
	p.Mail(m, t0)
	bs = p.Batch(&imapwatch.Batch{Account: "Work", Mailbox: "INBOX", Count: 1, CatchUp: true}, t0)
	if len(bs) != 1 || bs[0].Kind != KindMail || bs[0].Title != "Solo" {
		t.Errorf("Batch of one = %+v, want a single bubble", bs)
	}
}

func TestPolicyPauseHoldsThenOneDigest(t *testing.T) {
	p := NewPolicy(cfgWith(3, true, "Work", "Home"))
	until := t0.Add(time.Hour)
	p.Pause(until)
	for i, a := range []string{"Work", "Work", "Home"} {
		if bs := p.Mail(mail(a, uint32(i+1), fmt.Sprintf("P%d", i)), t0); len(bs) != 0 {
			t.Fatalf("Mail while paused = %+v, want nothing", bs)
		}
	}
	if bs := p.Tick(t0.Add(59 * time.Minute)); len(bs) != 0 {
		t.Fatalf("Tick before the end = %+v, want nothing", bs)
	}
	bs := p.Tick(until)
	if len(bs) != 1 || bs[0].Kind != KindDigest {
		t.Fatalf("Tick at the end = %+v, want one digest", bs)
	}
	if bs[0].Title != "3 new messages while notifications were paused" || bs[0].Body != "Work: 2 · Home: 1 — from P0, P1 and P2" {
		t.Errorf("digest = %q / %q", bs[0].Title, bs[0].Body)
	}
	// A pause that held one mail ends with that mail's own bubble.
	p.Pause(time.Time{})
	p.Mail(mail("Work", 9, "Solo"), t0)
	if bs := p.Resume(t0); len(bs) != 1 || bs[0].Kind != KindMail || bs[0].Title != "Solo" || !strings.Contains(bs[0].Body, "subject 9") {
		t.Errorf("Resume after one held mail = %+v, want its own bubble with the subject", bs)
	}
	if paused, _ := p.Paused(); paused {
		t.Errorf("still paused after the end")
	}
	if bs := p.Resume(until); len(bs) != 0 {
		t.Errorf("Resume when not paused = %+v, want nothing", bs)
	}
	// Resume with nothing held shows nothing.
	p.Pause(time.Time{})
	if bs := p.Resume(until); len(bs) != 0 {
		t.Errorf("Resume of an empty pause = %+v, want nothing", bs)
	}
}

func TestPolicyNotifyOffAndPreview(t *testing.T) {
	c := cfgWith(3, false, "Work", "Quiet")
	c.Accounts[1].Notify = false
	p := NewPolicy(c)
	p.showAccount = false // TestPolicyAccountName
	if bs := p.Mail(mail("Quiet", 1, "X"), t0); len(bs) != 0 {
		t.Errorf("notify = false account made %+v", bs)
	}
	bs := p.Mail(mail("Work", 2, "X"), t0)
	if len(bs) != 1 || bs[0].Body != "subject 2" {
		t.Errorf("preview off: body = %+v, want the subject only", bs)
	}
	c.Notifications.Preview = true
	p.Configure(c)
	p.showAccount = false
	bs = p.Mail(mail("Work", 3, "X"), t0)
	if len(bs) != 1 || bs[0].Body != "subject 3\npreview" {
		t.Errorf("preview on: body = %+v, want subject and preview", bs)
	}
	m := mail("Work", 4, "")
	m.FromAddress, m.Subject = "x@example.org", ""
	bs = p.Mail(m, t0)
	if len(bs) != 1 || bs[0].Title != "x@example.org" || !strings.HasPrefix(bs[0].Body, "(no subject)") {
		t.Errorf("no name, no subject: %+v", bs)
	}
}

// TestPolicyAccountName: with more than one account every bubble says which
// one the mail went to; with one it does not.
func TestPolicyAccountName(t *testing.T) {
	one := NewPolicy(cfgWith(3, false, "Work"))
	if bs := one.Mail(mail("Work", 1, "A"), t0); len(bs) != 1 || bs[0].Body != "subject 1" {
		t.Errorf("one account: %+v, want the subject alone", bs)
	}
	two := NewPolicy(cfgWith(1, false, "Work", "Home"))
	if bs := two.Mail(mail("Home", 1, "A"), t0); len(bs) != 1 || bs[0].Body != "Home · subject 1" {
		t.Errorf("two accounts: %+v, want the account before the subject", bs)
	}
	if bs := two.Mail(mail("Home", 2, "B"), t0); len(bs) != 1 || bs[0].Title != "2 new messages in Home" {
		t.Errorf("two accounts, summary: %+v, want the account in the title", bs)
	}
}
