package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"idlebell/internal/mailcases"
	"idlebell/internal/testsession"
)

// TestHeadlessRealWorldShapes delivers every message of internal/mailcases
// to Dovecot with dovecot-lda and checks each expect.tsv line against the
// JSON line the headless binary prints for it: the fields as scripts,
// hooks and bubbles get them.
func TestHeadlessRealWorldShapes(t *testing.T) {
	t.Parallel()
	env := testsession.FromEnv(t)
	d := env.Dovecot
	cases, err := mailcases.All()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	user := newUser("hl-shapes")
	deliver(t, d, user, testsession.Message("old@example.org", user+"@example.org", "before start", "old"))
	cfg := writeConfig(t, dir, e2eAccount{Name: "Work", Addr: d.PlainAddr, Security: "none", User: user, Password: d.Password()})
	c := startChild(t, dir, nil, "--headless", "--config", cfg)
	c.waitIdle("Work")
	n := 0
	for _, cs := range cases {
		for _, f := range cs.Files {
			deliver(t, d, user, cs.Messages[f])
			n++
		}
	}
	lines := map[string]map[string]any{}
	for range n {
		line := c.nextLine()
		var fields map[string]any
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatalf("stdout line %q: %v", line, err)
		}
		id, _ := fields["message_id"].(string)
		subject, _ := fields["subject"].(string)
		lines["message_id\x00"+strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")] = fields
		lines["subject\x00"+subject] = fields
	}
	for _, cs := range cases {
		t.Run(cs.Name, func(t *testing.T) {
			for _, ck := range cs.Checks {
				field, v := mailcases.Find(cs.Messages[ck.File])
				fields := lines[field+"\x00"+v]
				if fields == nil {
					t.Errorf("%s: no JSON line with %s %q", ck, field, v)
					continue
				}
				got := ""
				if v, ok := fields[ck.Field]; ok {
					got = fmt.Sprint(v)
				}
				if !ck.Holds(got) {
					t.Errorf("%s: %s = %q", ck, ck.Field, got)
				}
			}
		})
	}
}
