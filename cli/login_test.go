package cli

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoginArgs: what login says, and its status, before any sign-in.
func TestLoginArgs(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.toml")
	path := writeFile(t, `[[account]]
name = "Work"
host = "imap.example.com"
username = "me"
`)
	tests := []struct {
		name       string
		args       []string
		code       int
		wantStderr string
	}{
		{"no account", []string{"login"}, 2, "Usage: idlebell login"},
		{"two accounts", []string{"login", "A", "B"}, 2, "Usage: idlebell login"},
		{"device and browser", []string{"login", "--device", "--browser", "Work"}, 2, "Usage: idlebell login"},
		{"no config file", []string{"login", "--config", missing, "Work"}, 2, "idlebell login: no config file at " + missing + ": add the account first"},
		{"unknown account", []string{"login", "--config", path, "Home"}, 2, `idlebell login: no account named “Home” in ` + path},
		{"password account", []string{"login", "--config", path, "Work"}, 2, `idlebell login: account “Work” signs in with a password: set auth = "oauth2"`},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, Env{}, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.wantStderr) || stdout != "" {
			t.Errorf("%s: idlebell %q = %d, stdout %q, stderr %q; want %d and stderr with %q", tt.name, tt.args, code, stdout, stderr, tt.code, tt.wantStderr)
		}
	}
}

// TestLoginFailure: a sign-in that cannot reach the provider says so in
// explain's words, and stores nothing.
func TestLoginFailure(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	path := writeFile(t, `[[account]]
name = "Work"
host = "imap.example.com"
username = "me"
auth = "oauth2"
oauth_provider = "custom"
oauth_client_id = "idlebell"
oauth_auth_url = "`+closed+`/authorize"
oauth_token_url = "`+closed+`/token"
oauth_device_url = "`+closed+`/device"
oauth_scopes = ["mail"]
`)
	tokens := passwords{}
	code, stdout, stderr := run(t, Env{Tokens: tokens}, "login", "--config", path, "Work")
	want := "idlebell login: " + l.Addr().String() + " refused the connection. Check the port, and that the server is running.\n"
	if code != 1 || stderr != want || stdout != "" || len(tokens) != 0 {
		t.Errorf("login with the provider down = %d, stdout %q, stderr %q, tokens %v; want 1 and stderr %q", code, stdout, stderr, tokens, want)
	}
}
