package headless

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"idlebell/delivery"
	"idlebell/imapwatch"
)

type fakeNotifier struct{ ch chan string }

func (f *fakeNotifier) Notify(_ context.Context, n delivery.Notification) (uint32, error) {
	f.ch <- n.Title + " | " + n.Body
	return 0, nil
}

func (f *fakeNotifier) Withdraw(context.Context, uint32) error { return nil }
func (f *fakeNotifier) Close() error                           { return nil }

func run(ctx context.Context, o Options) int { return New(ctx, o).Run(ctx) }

func TestHeadlessNewMailLine(t *testing.T) {
	date := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("", 3600))
	m := &imapwatch.NewMail{
		Account: "Work", Mailbox: "INBOX", UID: 42, UIDValidity: 7, MessageID: "abc@example.org",
		FromName: "Alice Ëxample", FromAddress: "alice@example.org", Subject: `a "quoted" <b> & c`,
		Date: date, Preview: "line", CatchUp: true,
	}
	now := time.Date(2026, 3, 4, 5, 6, 8, 0, time.UTC)
	got := string(NewMailLine(m, now))
	want := `{"time":"2026-03-04T05:06:08Z","account":"Work","mailbox":"INBOX","uid":42,"uidvalidity":7,` +
		`"message_id":"<abc@example.org>","from":"Alice Ëxample","from_address":"alice@example.org",` +
		`"subject":"a \"quoted\" <b> & c","date":"2026-03-04T05:06:07+01:00","preview":"line","catch_up":true}` + "\n"
	if got != want {
		t.Errorf("NewMailLine() =\n%s want\n%s", got, want)
	}
	m.Date = time.Time{}
	var j Mail
	if err := json.Unmarshal(NewMailLine(m, now), &j); err != nil || j.Date != "" {
		t.Errorf("NewMailLine(no date): date = %q, %v; want empty", j.Date, err)
	}
}

func TestHeadlessRunWritesLinesLogsStatesAndNotifies(t *testing.T) {
	events := make(chan imapwatch.Event, 10)
	var out, logs bytes.Buffer
	n := &fakeNotifier{ch: make(chan string, 10)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	go func() {
		done <- run(ctx, Options{Delivery: delivery.Options{Events: events, Logger: slog.New(slog.NewTextHandler(&logs, nil))},
			Out: &out, Notify: true, Notifier: n})
	}()
	events <- &imapwatch.StateChange{Account: "Work", Mailbox: "INBOX", State: imapwatch.StateIdle}
	events <- &imapwatch.NewMail{Account: "Work", Mailbox: "INBOX", UID: 1, FromName: "Bob", Subject: "hi", Preview: "text"}
	events <- &imapwatch.Batch{Account: "Work", Mailbox: "INBOX", Count: 1}
	events <- &imapwatch.NewMail{Account: "Work", Mailbox: "INBOX", UID: 2, FromName: "Carol", CatchUp: true}
	events <- &imapwatch.NewMail{Account: "Work", Mailbox: "INBOX", UID: 3, FromName: "Dave", CatchUp: true}
	events <- &imapwatch.Batch{Account: "Work", Mailbox: "INBOX", Count: 2, CatchUp: true}
	events <- &imapwatch.StateChange{Account: "Home", Mailbox: "INBOX", State: imapwatch.StateFailed, Err: imapwatch.ErrAuthFailed}
	for _, want := range []string{"Bob | hi\ntext", "2 new messages in Work | while you were away — from Carol and Dave"} {
		select {
		case got := <-n.ch:
			if got != want {
				t.Errorf("bubble = %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no bubble %q", want)
		}
	}
	close(events)
	if code := <-done; code != 0 {
		t.Errorf("Run() = %d after the events closed, want 0", code)
	}
	if lines := strings.Count(out.String(), "\n"); lines != 3 {
		t.Errorf("Run wrote %d lines, want 3:\n%s", lines, out.String())
	}
	for _, want := range []string{
		`level=INFO msg=state account=Work mailbox=INBOX state=idle`,
		`level=ERROR msg=state account=Home mailbox=INBOX state=failed err="authentication failed" problem="login failed: check the password" hint="The server refused this username and password.`,
		`Then send idlebell SIGHUP (kill -HUP), or save the config, and it tries again (the tray's Check now)."`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestHeadlessRunExitsOneWhenStdoutFails(t *testing.T) {
	events := make(chan imapwatch.Event, 1)
	events <- &imapwatch.NewMail{Account: "Work", UID: 1}
	if code := run(context.Background(), Options{Delivery: delivery.Options{Events: events}, Out: failWriter{}}); code != 1 {
		t.Errorf("Run() with a failing stdout = %d, want 1", code)
	}
}

func TestHeadlessRunWritesBufferedMailOnShutdown(t *testing.T) {
	events := make(chan imapwatch.Event, 3)
	for i := range 3 {
		events <- &imapwatch.NewMail{Account: "Work", UID: uint32(i + 1)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	if code := run(ctx, Options{Delivery: delivery.Options{Events: events}, Out: &out}); code != 0 {
		t.Errorf("Run() = %d, want 0", code)
	}
	if lines := strings.Count(out.String(), "\n"); lines != 3 {
		t.Errorf("Run wrote %d lines for 3 buffered mails at shutdown, want 3", lines)
	}
}
