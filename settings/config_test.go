package settings

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustLoad(t *testing.T, text string) *Config {
	t.Helper()
	cfg, err := Load(writeConfig(t, text))
	if err != nil {
		t.Fatalf("Load() error: %v", err)
	}
	return cfg
}

// loadProblems loads text and returns its problems, failing if it loads.
func loadProblems(t *testing.T, text string) (*Error, string) {
	t.Helper()
	path := writeConfig(t, text)
	cfg, err := Load(path)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Load(%q) = %+v, %v, want an *Error", text, cfg, err)
	}
	if e.Path != path {
		t.Errorf("Error.Path = %q, want %q", e.Path, path)
	}
	return e, path
}

const minimal = `
[[account]]
name = "Work"
host = "imap.example.com"
username = "alice@example.com"
`

func d(s string) Duration {
	v, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return Duration{v}
}

func TestLoadDefaults(t *testing.T) {
	cfg := mustLoad(t, minimal)
	want := &Config{
		Version:       1,
		Notifications: Notifications{Preview: true, MaxBubbles: 3, Sound: true},
		Accounts: []Account{{
			Name: "Work", Enabled: true, Host: "imap.example.com", Port: 993, Security: "tls",
			Username: "alice@example.com", Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: d("2m"),
			Notify: true, HookTimeout: d("60s"),
		}},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Load(minimal) = %+v, want %+v", cfg, want)
	}
}

func TestLoadEmptyFileIsDefault(t *testing.T) {
	if cfg := mustLoad(t, ""); !reflect.DeepEqual(cfg, Default()) {
		t.Errorf("Load(empty) = %+v, want %+v", cfg, Default())
	}
}

func TestLoadPortFromSecurity(t *testing.T) {
	for _, tc := range []struct{ security, port string }{
		{"tls", "993"}, {"starttls", "143"}, {"none", "143"},
	} {
		t.Run(tc.security, func(t *testing.T) {
			cfg := mustLoad(t, minimal+"security = \""+tc.security+"\"\nallow_plaintext = true\n")
			if got := cfg.Accounts[0].Port; itoa(got) != tc.port {
				t.Errorf("port for security %s = %d, want %s", tc.security, got, tc.port)
			}
		})
	}
}

func TestLoadExampleFile(t *testing.T) {
	cfg, err := Load("../config.example.toml")
	if err != nil {
		t.Fatalf("Load(config.example.toml): %v", err)
	}
	want := Default()
	a := NewAccount("Work")
	a.Host, a.Username = "imap.example.com", "alice@example.com"
	want.Accounts = []Account{a}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Load(config.example.toml) = %+v, want %+v (the example must show the defaults)", cfg, want)
	}
	// Every key the schema has is documented in the example.
	text, _ := os.ReadFile("../config.example.toml")
	for _, key := range append(append(topKeys, notificationsKeys...), accountKeys...) {
		if key == "account" || key == "notifications" {
			continue
		}
		if !strings.Contains(string(text), "\n"+key+" = ") {
			t.Errorf("config.example.toml lacks key %q", key)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want an error wrapping fs.ErrNotExist", err)
	}
}

// TestLoadUnreadable: a folder where the config file should be is a
// *ReadError with ErrNotAFile and the path, not a missing file (a first
// run would then write over it) nor a network error; the folder is left
// as it was.
func TestLoadUnreadable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config.toml")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	var rerr *ReadError
	if !errors.As(err, &rerr) || rerr.Path != dir || !errors.Is(err, ErrNotAFile) || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(folder) = %#v, want a *ReadError naming %s with ErrNotAFile", err, dir)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("after Load the folder holds %v (%v)", entries, err)
	}
}

func TestLoadVersion(t *testing.T) {
	if cfg := mustLoad(t, "version = 1\n"); cfg.Version != 1 {
		t.Errorf("Load(version = 1).Version = %d, want 1", cfg.Version)
	}
	e, _ := loadProblems(t, "version = 2\n[[account]]\nname = 1\nbogus = true\n")
	if len(e.Problems) != 1 || e.Problems[0].Field != "version" || e.Problems[0].Line != 1 ||
		!strings.Contains(e.Problems[0].Message, "version 2 is not supported") {
		t.Errorf("Load(version = 2) problems = %+v, want one about version 2 on line 1", e.Problems)
	}
	e, _ = loadProblems(t, `version = "1"`)
	if e.Problems[0].Message != "must be the number 1, not text" {
		t.Errorf("Load(version = \"1\") = %q, want %q", e.Problems[0].Message, "must be the number 1, not text")
	}
}

// TestValidationMessages covers every message Validate can give, through
// Load so that lines are checked too.
func TestValidationMessages(t *testing.T) {
	const head = "[[account]]\nname = \"Work\"\nhost = \"imap.example.com\"\nusername = \"a\"\n" // lines 1-4
	tests := []struct {
		name, text string
		field      string
		line       int
		message    string
	}{
		{"max bubbles zero", "[notifications]\nmax_bubbles = 0\n", "notifications.max_bubbles", 2,
			"0 is too few: use at least 1 (default 3)"},
		{"empty name", "[[account]]\nname = \"\"\nhost = \"h\"\nusername = \"a\"\n", "name", 2,
			"is empty: every account needs a unique name (it is also the account's keyring entry)"},
		{"missing name", "[[account]]\nhost = \"h\"\nusername = \"a\"\n", "name", 1,
			"is empty: every account needs a unique name (it is also the account's keyring entry)"},
		{"name with spaces", "[[account]]\nname = \" Work\"\nhost = \"h\"\nusername = \"a\"\n", "name", 2,
			`" Work" starts or ends with a space: remove it`},
		{"name with newline", "[[account]]\nname = \"a\\nb\"\nhost = \"h\"\nusername = \"a\"\n", "name", 2,
			"contains a control character (tab, newline...): use plain text"},
		{"duplicate name", head + head, "name", 6,
			`"Work" is already the name of account 1: names must be unique`},
		{"empty host", "[[account]]\nname = \"W\"\nhost = \"\"\nusername = \"a\"\n", "host", 3,
			`is empty: set the IMAP server's name, e.g. "imap.example.com"`},
		{"missing host", "[[account]]\nname = \"W\"\nusername = \"a\"\n", "host", 1,
			`is empty: set the IMAP server's name, e.g. "imap.example.com"`},
		{"host with scheme", "[[account]]\nname = \"W\"\nhost = \"imaps://imap.example.com\"\nusername = \"a\"\n", "host", 3,
			`"imaps://imap.example.com" has a scheme: write only the server's name, e.g. "imap.example.com"`},
		{"host with space", "[[account]]\nname = \"W\"\nhost = \"imap example\"\nusername = \"a\"\n", "host", 3,
			`"imap example" is not a host name or address: write only the server's name, e.g. "imap.example.com"`},
		{"host with port", "[[account]]\nname = \"W\"\nhost = \"imap.example.com:993\"\nusername = \"a\"\n", "host", 3,
			`"imap.example.com:993" includes a port: write host = "imap.example.com" and port = 993`},
		{"port zero", head + "port = 0\n", "port", 5,
			"0 is not a valid port: use 1 to 65535 (usually 993 for tls, 143 for starttls or none)"},
		{"port too big", head + "port = 99999\n", "port", 5,
			"99999 is not a valid port: use 1 to 65535 (usually 993 for tls, 143 for starttls or none)"},
		{"bad security", head + "security = \"ssl\"\n", "security", 5,
			`"ssl" is not a security mode: use "tls", "starttls" or "none"`},
		{"empty security", head + "security = \"\"\n", "security", 5,
			`"" is not a security mode: use "tls", "starttls" or "none"`},
		{"plaintext remote", head + "security = \"none\"\n", "security", 5,
			`"none" would send your password unencrypted to imap.example.com: use "tls" or "starttls", or set allow_plaintext = true if you accept that`},
		{"empty username", "[[account]]\nname = \"W\"\nhost = \"h\"\nusername = \" \"\n", "username", 4,
			"is empty: set the login name, usually your e-mail address"},
		{"no mailboxes", head + "mailboxes = []\n", "mailboxes", 5,
			`lists no mailbox: list at least one, e.g. ["INBOX"]`},
		{"empty mailbox", head + "mailboxes = [\"INBOX\", \"\"]\n", "mailboxes", 5,
			`contains an empty name: remove it or write the mailbox's name, e.g. "INBOX"`},
		{"duplicate mailbox", head + "mailboxes = [\"INBOX\", \"INBOX\"]\n", "mailboxes", 5,
			`lists "INBOX" twice: remove one`},
		{"short poll", head + "poll_interval = \"5s\"\n", "poll_interval", 5,
			"5s is too short: use at least 15s (default 2m)"},
		{"zero poll", head + "poll_interval = \"0s\"\n", "poll_interval", 5,
			"0s is too short: use at least 15s (default 2m)"},
		{"too many connections", head + "max_connections = 50\n", "max_connections", 5,
			"50 is out of range: use 1 to 10 (default 4; mailboxes beyond it are checked every poll_interval)"},
		{"negative hook", head + "hook_timeout = \"-1s\"\n", "hook_timeout", 5,
			"-1s is too short: use at least 1s (default 60s)"},
		{"bad hook shell", head + "hook_shell = \"bash\"\n", "hook_shell", 5,
			`"bash" is not a hook shell: use "powershell" (the default) or "cmd"; it matters only on Windows`},
		{"multi-line cmd hook", head + "hook_shell = \"cmd\"\non_new_mail = '''\necho a\r\necho b\n'''\n", "on_new_mail", 6,
			`has several lines, but cmd.exe (hook_shell = "cmd") runs only the first: put it on one line, joining commands with &, or use PowerShell`},
		{"cmd hook expands mail data", head + "hook_shell = \"cmd\"\non_new_mail = 'echo %IDLEBELL_UID% %Idlebell_Subject% >> mail.log'\n", "on_new_mail", 6,
			`expands %IDLEBELL_SUBJECT%, which the mail's sender wrote: cmd.exe would run a value such as "& calc" as a command; leave it to the program you call (it is in its environment), or use PowerShell`},
		{"open command expands mail data", head + "open_command = 'thunderbird.exe \"mid:%IDLEBELL_MESSAGE_ID:~1,-1%\"'\n", "open_command", 5,
			`expands %IDLEBELL_MESSAGE_ID%, which the mail's sender wrote: on Windows cmd.exe would run a value such as "& calc" as a command; leave it to the program you call (it is in its environment)`},
		{"notifications open command expands mail data", "[notifications]\nopen_command = 'start %IDLEBELL_FROM_ADDRESS%'\n", "notifications.open_command", 2,
			`expands %IDLEBELL_FROM_ADDRESS%, which the mail's sender wrote: on Windows cmd.exe would run a value such as "& calc" as a command; leave it to the program you call (it is in its environment)`},
		{"fingerprint prefix", head + "tls_fingerprint = \"AB:CD\"\n", "tls_fingerprint", 5,
			`"AB:CD" is not a SHA-256 fingerprint: write it like "sha256:AB:CD:..." with 32 pairs of hex digits (openssl x509 -noout -fingerprint -sha256 prints it)`},
		{"fingerprint length", head + "tls_fingerprint = \"sha256:AB:CD\"\n", "tls_fingerprint", 5,
			`"sha256:AB:CD" is not a SHA-256 fingerprint: write it like "sha256:AB:CD:..." with 32 pairs of hex digits (openssl x509 -noout -fingerprint -sha256 prints it)`},
		{"bad duration", head + "poll_interval = \"2 minutes\"\n", "poll_interval", 5,
			`"2 minutes" is not a duration: write it like "90s", "2m" or "1h30m"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, path := loadProblems(t, tc.text)
			if len(e.Problems) != 1 {
				t.Fatalf("Load(%q) problems = %+v, want 1", tc.text, e.Problems)
			}
			p := e.Problems[0]
			if p.Field != tc.field || p.Line != tc.line || p.Message != tc.message {
				t.Errorf("Load(%q) = {Field:%q Line:%d Message:%q}, want {Field:%q Line:%d Message:%q}",
					tc.text, p.Field, p.Line, p.Message, tc.field, tc.line, tc.message)
			}
			if !strings.HasPrefix(e.Error(), path+": line ") {
				t.Errorf("Error() = %q, want it to start with the path and line", e.Error())
			}
		})
	}
}

func TestPlaintextAllowed(t *testing.T) {
	for _, text := range []string{
		minimal + "security = \"none\"\nallow_plaintext = true\n",
		strings.Replace(minimal, "imap.example.com", "127.0.0.2", 1) + "security = \"none\"\n",
		strings.Replace(minimal, "imap.example.com", "localhost", 1) + "security = \"none\"\n",
		strings.Replace(minimal, "imap.example.com", "::1", 1) + "security = \"none\"\n",
	} {
		mustLoad(t, text)
	}
}

func TestManyProblemsOnePerLine(t *testing.T) {
	e, path := loadProblems(t, `
[notifications]
max_bubbles = 0
[[account]]
name = "Work"
host = ""
port = 70000
username = "a"
mailbox = ["INBOX"]
enabled = "yes"
`)
	want := []string{
		path + `: line 3: notifications.max_bubbles: 0 is too few: use at least 1 (default 3)`,
		path + `: line 6: account "Work": host: is empty: set the IMAP server's name, e.g. "imap.example.com"`,
		path + `: line 7: account "Work": port: 70000 is not a valid port: use 1 to 65535 (usually 993 for tls, 143 for starttls or none)`,
		path + `: line 9: account "Work": mailbox: unknown key "mailbox" in [[account]]: did you mean "mailboxes"?`,
		path + `: line 10: account "Work": enabled: must be true or false, not text`,
	}
	if got := strings.Split(e.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("Error() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, p := range e.Problems[1:] {
		if p.Account != "Work" || p.AccountIndex != 1 {
			t.Errorf("problem %+v: want Account Work, AccountIndex 1", p)
		}
	}
}

func TestUnknownKeys(t *testing.T) {
	tests := []struct{ name, text, field, message string }{
		{"typo in account", minimal + "mailbox = [\"INBOX\"]\n", "mailbox",
			`unknown key "mailbox" in [[account]]: did you mean "mailboxes"?`},
		{"typo in notifications", "[notifications]\npreveiw = true\n", "notifications.preveiw",
			`unknown key "preveiw" in [notifications]: did you mean "preview"?`},
		{"top level", "verbose = true\n", "verbose",
			`unknown key "verbose" at the top level: remove it (see config.example.toml for every key)`},
		{"account key at top", "host = \"x\"\n", "host",
			`unknown key "host" at the top level: it belongs in an [[account]] block`},
		{"notifications key in account", minimal + "max_bubbles = 2\n", "max_bubbles",
			`unknown key "max_bubbles" in [[account]]: it belongs in [notifications]`},
		{"password", minimal + "password = \"hunter2-never-echoed\"\n", "password",
			`unknown key "password" in [[account]]: passwords do not belong in the config file; store it in the keyring from Settings, or set password_command`},
		{"sub-table", minimal + "[account.extra]\nca = \"x\"\n", "extra",
			`unknown key "extra" in [[account]]: remove it (see config.example.toml for every key)`},
		{"single bracket account", "[account]\nname = \"x\"\n", "account",
			`write [[account]] with two brackets, one block per account`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := loadProblems(t, tc.text)
			if len(e.Problems) != 1 || e.Problems[0].Field != tc.field || e.Problems[0].Message != tc.message {
				t.Errorf("Load(%q) = %+v, want one problem {Field:%q Message:%q}", tc.text, e.Problems, tc.field, tc.message)
			}
			if e.Problems[0].Line == 0 {
				t.Errorf("Load(%q): problem has no line", tc.text)
			}
			if strings.Contains(e.Error(), "hunter2") {
				t.Errorf("Error() = %q quotes the value of an unknown key", e.Error())
			}
		})
	}
}

func TestWrongTypes(t *testing.T) {
	tests := []struct{ text, field, message string }{
		{minimal + "port = \"993\"\n", "port", "must be a whole number, not text"},
		{minimal + "port = 993.0\n", "port", "must be a whole number, not a decimal number"},
		{minimal + "enabled = 1\n", "enabled", "must be true or false, not a number"},
		{minimal + "mailboxes = \"INBOX\"\n", "mailboxes", `must be a list of text in quotes like ["INBOX"], not text`},
		{minimal + "mailboxes = [\"INBOX\", 2]\n", "mailboxes", `must be a list of text in quotes like ["INBOX"], but has a number in it`},
		{minimal + "poll_interval = 120\n", "poll_interval", `must be a duration in quotes like "2m" or "90s", not a number`},
		{minimal + "tls_ca_file = 1979-05-27\n", "tls_ca_file", "must be text in quotes, not a date"},
		{"notifications = 3\n", "notifications", "must be a table: write [notifications] on its own line, then its keys"},
		{"account = 3\n", "account", "must be [[account]] blocks, not a number"},
	}
	for _, tc := range tests {
		e, _ := loadProblems(t, tc.text)
		if len(e.Problems) != 1 || e.Problems[0].Field != tc.field || e.Problems[0].Message != tc.message || e.Problems[0].Line == 0 {
			t.Errorf("Load(%q) = %+v, want one problem {Field:%q Message:%q} with a line", tc.text, e.Problems, tc.field, tc.message)
		}
	}
}

// TestBrokenFiles: truncated, binary junk and syntax errors give an *Error
// with a line, and the file is never touched.
func TestBrokenFiles(t *testing.T) {
	example, err := os.ReadFile("../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	cut := strings.Index(string(example), `host = "imap.ex`) + len(`host = "imap.ex`)
	tests := []struct {
		name string
		data []byte
		line int
		msg  string
	}{
		{"truncated", example[:cut], strings.Count(string(example[:cut]), "\n") + 1, "not valid TOML ("},
		{"binary junk", []byte("version = 1\n\x00\x01\x02\xff\xfe\x89PNG\r\n"), 2, "the file is not UTF-8 text"},
		{"nul bytes", []byte("version = 1\n\x00\x00\x00"), 2, "not valid TOML ("},
		{"missing quote", []byte("[[account]]\nname = Work\n"), 2, "not valid TOML ("},
		{"duplicate key", []byte("version = 1\nversion = 1\n"), 2, "not valid TOML ("},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Stat(path)
			_, err := Load(path)
			var e *Error
			if !errors.As(err, &e) || len(e.Problems) != 1 {
				t.Fatalf("Load(%s) = %v, want an *Error with one problem", tc.name, err)
			}
			if p := e.Problems[0]; p.Line != tc.line || !strings.HasPrefix(p.Message, tc.msg) {
				t.Errorf("Load(%s) = line %d %q, want line %d %q...", tc.name, p.Line, p.Message, tc.line, tc.msg)
			}
			assertUntouched(t, path, tc.data, before)
		})
	}
}

func assertUntouched(t *testing.T, path string, data []byte, before os.FileInfo) {
	t.Helper()
	after, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat after: %v", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != string(data) || !after.ModTime().Equal(before.ModTime()) || after.Mode() != before.Mode() {
		t.Errorf("%s was modified", path)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory of %s has %d entries after a failed load, want 1", path, len(entries))
	}
}

func TestLoadTooLarge(t *testing.T) {
	path := writeConfig(t, "# "+strings.Repeat("x", maxConfigSize)+"\n")
	var e *Error
	if _, err := Load(path); !errors.As(err, &e) || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("Load(huge) = %v, want an *Error about the size", err)
	}
}

func TestValidateWithoutFile(t *testing.T) {
	c := Default()
	a := NewAccount("")
	c.Accounts = []Account{a}
	err := c.Validate()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Validate() = %v, want *Error", err)
	}
	var fields []string
	for _, p := range e.Problems {
		fields = append(fields, p.Field)
		if p.AccountIndex != 1 || p.Line != 0 {
			t.Errorf("problem %+v: want AccountIndex 1 and no line", p)
		}
	}
	if want := []string{"name", "host", "username"}; !reflect.DeepEqual(fields, want) {
		t.Errorf("Validate() fields = %q, want %q", fields, want)
	}
	if want := "account 1: name: is empty"; !strings.HasPrefix(e.Error(), want) {
		t.Errorf("Validate().Error() = %q, want prefix %q", e.Error(), want)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v, want nil", err)
	}
}

func TestWithDefaults(t *testing.T) {
	got := Account{Name: "x", Security: "starttls"}.WithDefaults()
	want := Account{Name: "x", Security: "starttls", Port: 143, Mailboxes: []string{"INBOX"}, MaxConnections: 4, PollInterval: d("2m"), HookTimeout: d("60s")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WithDefaults() = %+v, want %+v", got, want)
	}
	if got := (Account{}).WithDefaults(); got.Security != "tls" || got.Port != 993 {
		t.Errorf("Account{}.WithDefaults() = %+v, want tls on 993", got)
	}
	keep := Account{Port: 1143, Mailboxes: []string{"A"}, MaxConnections: 2, PollInterval: d("1m"), HookTimeout: d("5s"), Security: "none"}
	if got := keep.WithDefaults(); !reflect.DeepEqual(got, keep) {
		t.Errorf("WithDefaults() = %+v, want unchanged %+v", got, keep)
	}
}

func TestDurationText(t *testing.T) {
	for in, want := range map[string]string{"2m": "2m", "120s": "2m", "90s": "1m30s", "1h": "1h", "60s": "1m", "15s": "15s", "1h30m": "1h30m0s", "1.5s": "1.5s", "0s": "0s"} {
		var v Duration
		if err := v.UnmarshalText([]byte(in)); err != nil {
			t.Fatalf("UnmarshalText(%q): %v", in, err)
		}
		got, _ := v.MarshalText()
		if string(got) != want {
			t.Errorf("MarshalText(UnmarshalText(%q)) = %q, want %q", in, got, want)
		}
	}
}

func TestPath(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/tmp/xdg-config")
	t.Setenv("HOME", "/tmp/home")
	got, err := Path()
	if err != nil || (filepath.Base(got) != "config.toml" || filepath.Base(filepath.Dir(got)) != "idlebell") {
		t.Errorf("Path() = %q, %v, want .../idlebell/config.toml", got, err)
	}
}

func TestHookShellAccepted(t *testing.T) {
	for _, text := range []string{
		minimal + "hook_shell = \"cmd\"\non_new_mail = '''\necho %IDLEBELL_UID% >> C:\\log.txt\n'''\n",
		minimal + "hook_shell = \"powershell\"\non_new_mail = '''\n$s = $env:IDLEBELL_SUBJECT\nWrite-Output $s\n'''\n",
		minimal + "on_new_mail = '''\necho one\necho two\n'''\n",
	} {
		mustLoad(t, text)
	}
}
