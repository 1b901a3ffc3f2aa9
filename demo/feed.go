package demo

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"strings"
	"time"

	"idlebell/settings"
)

// sample is one realistic message for the demo feed. Subjects and names carry
// umlauts and other non-ASCII text so the demo shows header decoding at work.
type sample struct {
	name, addr, subject, body string
}

var samples = []sample{
	{"Jürgen Müller", "juergen@example.de", "Grüße aus München – Treffen am Donnerstag?", "Hallo! Hast du am Donnerstag um 15 Uhr Zeit? Wir könnten die Präsentation durchgehen."},
	{"Alice Example", "alice@example.org", "Quarterly report draft", "Hi, the draft of the quarterly report is ready for review. Numbers look good this time."},
	{"Zoë Ångström", "zoe@example.se", "Fika på fredag ☕", "Vi ses på fredag? Jag tar med kanelbullar."},
	{"GitLab", "noreply@example.com", "[idlebell] Pipeline #1234 passed", "Your pipeline has passed. Duration: 4 minutes 12 seconds."},
	{"Émilie Durand", "emilie@example.fr", "Réunion déplacée à 14h", "Bonjour, la réunion de demain est déplacée à 14h. Merci de confirmer."},
	{"Bob", "bob@example.net", "Lunch?", "Pizza place at noon? I'm buying."},
	{"田中 太郎", "tanaka@example.jp", "会議の件について", "お疲れ様です。明日の会議資料を添付します。ご確認ください。"},
	{"Calendar", "calendar@example.com", "Reminder: Dentist at 09:30", "This is a reminder for your appointment tomorrow at 09:30."},
}

// Message builds the i-th demo message: From and Subject as RFC 2047 encoded
// words (as real mail has them), a quoted-printable UTF-8 body.
func Message(i int, now time.Time) []byte {
	s := samples[i%len(samples)]
	from := mime.QEncoding.Encode("utf-8", s.name)
	subject := mime.QEncoding.Encode("utf-8", s.subject)
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s <%s>\r\n", from, s.addr)
	fmt.Fprintf(&b, "To: Demo User <demo@idlebell.invalid>\r\n")
	fmt.Fprintf(&b, "Subject: %s\r\n", subject)
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <demo-%d-%d@idlebell.invalid>\r\n", now.UnixNano(), i)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(s.body)
	b.WriteString("\r\n")
	return []byte(b.String())
}

// Feed appends a demo message to user's INBOX every interval until ctx is
// done. The first one comes after one interval, so the watcher has already
// taken its baseline and announces it.
func Feed(ctx context.Context, s *Server, user string, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if _, err := s.Append(user, "INBOX", Message(i, now)); err != nil {
				logger.Warn("demo append failed", "err", err)
			}
		}
	}
}

// Setup starts the server with one user and a config whose one account,
// "Demo", watches it, and feeds the user a message every interval until ctx
// is done (the goroutine is owned by ctx). The secrets hand out the demo
// user's password, so --demo never touches the keyring. Close the server
// when done.
func Setup(ctx context.Context, interval time.Duration, logger *slog.Logger) (*Server, *settings.Config, Secrets, error) {
	srv, err := Start(Options{})
	if err != nil {
		return nil, nil, "", err
	}
	const user, password = "demo", "demo"
	if err := srv.AddUser(user, password); err != nil {
		srv.Close()
		return nil, nil, "", err
	}
	host, port := srv.HostPort()
	a := settings.NewAccount("Demo")
	a.Host, a.Port, a.Security, a.Username = host, port, settings.SecurityNone, user
	cfg := settings.Default()
	cfg.Accounts = []settings.Account{a}
	go Feed(ctx, srv, user, interval, logger)
	logger.Info("demo server running", "addr", srv.Addr, "interval", interval)
	return srv, cfg, Secrets(password), nil
}
