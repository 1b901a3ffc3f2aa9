package cli

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestCheckSignInNeeded: an OAuth2 account without a stored sign-in is
// reported as such before any network step — no DNS, no connection to the
// server, no call to the token endpoint — and check exits 1.
func TestCheckSignInNeeded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var dialed atomic.Int32
	go func() { // ends when ln closes
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dialed.Add(1)
			c.Close()
		}
	}()
	var asked atomic.Int32
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "no", http.StatusBadRequest)
	}))
	defer idp.Close()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	path := writeFile(t, fmt.Sprintf(`[[account]]
name = "My Mail"
host = %q
port = %s
username = "alice@example.org"
auth = "oauth2"
oauth_provider = "custom"
oauth_client_id = "id"
oauth_token_url = %q
oauth_auth_url = %q
oauth_scopes = ["imap"]
`, host, port, idp.URL+"/token", idp.URL+"/auth"))

	env := Env{Secrets: passwords{}, Tokens: passwords{}}
	code, stdout, stderr := run(t, env, "check", "--config", path)
	if code != 1 {
		t.Errorf("check: exit status %d, want 1\n%s", code, stderr)
	}
	want := "My Mail (" + ln.Addr().String() + ", tls): FAILED\n  FAIL  sign-in       sign-in needed: run idlebell login 'My Mail'\n"
	if stdout != want {
		t.Errorf("check printed\n%s\nwant\n%s", stdout, want)
	}

	code, stdout, _ = run(t, env, "check", "--json", "--config", path)
	var out struct {
		OK       bool
		Accounts []struct {
			FailedStep string `json:"failed_step"`
			Message    string
			Hint       string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != 1 || out.OK || len(out.Accounts) != 1 {
		t.Fatalf("check --json = %d, %v:\n%s", code, err, stdout)
	}
	if a := out.Accounts[0]; a.FailedStep != "signin" || a.Message != "sign-in needed" || !strings.Contains(a.Hint, "idlebell login 'My Mail'") {
		t.Errorf("check --json account = %+v, want step signin, sign-in needed, run idlebell login", a)
	}
	if n, m := dialed.Load(), asked.Load(); n != 0 || m != 0 {
		t.Errorf("check connected %d times to the server and %d times to the token endpoint, want none", n, m)
	}
}

func TestLoginCommand(t *testing.T) {
	for name, want := range map[string]string{
		"Gmail":       "idlebell login Gmail",
		"a@b.org":     "idlebell login a@b.org",
		"My Mail":     "idlebell login 'My Mail'",
		"Bob's":       `idlebell login 'Bob'\''s'`,
		"":            "idlebell login ''",
		"$(rm -rf /)": "idlebell login '$(rm -rf /)'",
	} {
		if got := loginCommand(name); got != want {
			t.Errorf("loginCommand(%q) = %s, want %s", name, got, want)
		}
	}
}
