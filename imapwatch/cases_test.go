package imapwatch

import (
	"testing"
	"time"

	"idlebell/internal/mailcases"
	"idlebell/internal/testsession"
)

// TestCasesInProcess and TestCasesDovecot deliver every real-world shape of
// internal/mailcases and check each line of its expect.tsv against the
// NewMail the watcher builds: the fetch items, the part chosen from the
// server's BODYSTRUCTURE and what mailtext makes of them, end to end.
func TestCasesInProcess(t *testing.T) {
	runCases(t, newDemoServer(t, demoOptions()))
}

func TestCasesDovecot(t *testing.T) {
	env := testsession.FromEnv(t)
	runCases(t, &dovecotServer{d: env.Dovecot})
}

func runCases(t *testing.T, srv server) {
	cases, err := mailcases.All()
	if err != nil {
		t.Fatal(err)
	}
	user, cfg := srv.newUser(t)
	_, c := startManager(t, cfg, newMemStore())
	c.waitState(t, StateIdle, wait)
	n := 0
	for _, cs := range cases {
		for _, f := range cs.Files {
			srv.deliver(t, user, "INBOX", mailcases.CRLF(cs.Messages[f]))
			n++
		}
	}
	byKey := map[[2]string]*NewMail{} // by mailcases.Find's field and value
	for _, m := range c.waitMails(t, n, 4*wait) {
		for _, field := range []string{"message_id", "subject"} {
			byKey[[2]string{field, jsonField(m, field)}] = m
		}
	}
	for _, cs := range cases {
		t.Run(cs.Name, func(t *testing.T) {
			for _, ck := range cs.Checks {
				field, v := mailcases.Find(cs.Messages[ck.File])
				m := byKey[[2]string{field, v}]
				if m == nil {
					t.Errorf("%s: no NewMail with %s %q", ck, field, v)
					continue
				}
				if got := jsonField(m, ck.Field); !ck.Holds(got) {
					t.Errorf("%s: %s = %q", ck, ck.Field, got)
				}
			}
		})
	}
}

// jsonField is a NewMail field as the headless JSON line names and writes it.
func jsonField(m *NewMail, field string) string {
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
	return "unknown field " + field
}
