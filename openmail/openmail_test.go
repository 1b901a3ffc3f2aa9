package openmail

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"idlebell/internal/proc"
	"idlebell/settings"
)

func TestExecArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"thunderbird %u", []string{"thunderbird"}},
		{`/usr/bin/flatpak run --branch=stable --command=thunderbird --file-forwarding org.mozilla.Thunderbird @@u %u @@`,
			[]string{"/usr/bin/flatpak", "run", "--branch=stable", "--command=thunderbird", "--file-forwarding", "org.mozilla.Thunderbird"}},
		{`"/opt/Mail Spring/mailspring" --x %U`, []string{"/opt/Mail Spring/mailspring", "--x"}},
		{`evolution %U`, []string{"evolution"}},
	}
	for _, tt := range tests {
		if got := execArgs(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("execArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWebmail(t *testing.T) {
	gmail := settings.NewAccount("G")
	gmail.Auth, gmail.OAuthProvider, gmail.Username = settings.AuthOAuth2, settings.ProviderGoogle, "a@gmail.com"
	ms := settings.NewAccount("M")
	ms.Host = "outlook.office365.com"
	other := settings.NewAccount("O")
	other.Host = "imap.example.com"
	tests := []struct {
		a    settings.Account
		id   string
		want string
	}{
		{gmail, "abc@example.org", "https://mail.google.com/mail/?authuser=a%40gmail.com#search/rfc822msgid:abc@example.org"},
		{gmail, "", "https://mail.google.com/mail/?authuser=a%40gmail.com"},
		{ms, "abc@example.org", "https://outlook.office.com/mail/search?q=%3Cabc%40example.org%3E"},
		{other, "abc@example.org", ""},
	}
	for _, tt := range tests {
		if got := Webmail(tt.a, tt.id); got != tt.want {
			t.Errorf("Webmail(%s, %q) = %q, want %q", tt.a.Name, tt.id, got, tt.want)
		}
	}
}

func TestTakesMid(t *testing.T) {
	for _, c := range []struct {
		desktop string
		want    bool
	}{{"thunderbird.desktop", true}, {"betterbird.desktop", true}, {"org.gnome.Evolution.desktop", true},
		{"org.kde.kmail2.desktop", false}, {"org.gnome.Geary.desktop", false}, {"claws-mail.desktop", false}} {
		if got := takesMid(c.desktop, nil); got != c.want {
			t.Errorf("takesMid(%q) = %v, want %v", c.desktop, got, c.want)
		}
	}
}

func TestWindowsMailCommand(t *testing.T) {
	tb := `"C:\Program Files\Mozilla Thunderbird\thunderbird.exe" -osint -mail`
	for _, c := range []struct{ name, command, id, want string }{
		{"Mozilla Thunderbird", tb, "abc@example.org", tb + ` "mid:abc@example.org"`},
		{"Mozilla Thunderbird", tb, "", tb},
		{"Microsoft Outlook", `"C:\Program Files\Microsoft Office\OUTLOOK.EXE"`, "abc@example.org", `"C:\Program Files\Microsoft Office\OUTLOOK.EXE"`},
	} {
		if got := WindowsMailCommand(c.name, c.command, c.id); got != c.want {
			t.Errorf("WindowsMailCommand(%q, %q, %q) = %q, want %q", c.name, c.command, c.id, got, c.want)
		}
	}
}

// A Message-ID is written by whoever sent the mail. On Windows the mid: URL
// goes into a command line: an id that could end its quotes (", a trailing
// backslash) or speak to cmd.exe (& | < > ^ %) must not reach it, or a click
// on the bubble would run the sender's command or hand Thunderbird options
// of the sender's choosing (-P, -profile \\host\share). Such a mail opens
// the client at its inbox instead.
func TestWindowsMailCommandHostileID(t *testing.T) {
	tb := `"C:\Program Files\Mozilla Thunderbird\thunderbird.exe" -osint -mail`
	env := proc.WinEnv{SystemRoot: `C:\Windows`, LookPath: func(name string) (string, error) {
		if strings.HasSuffix(strings.ToLower(name), ".exe") {
			return name, nil
		}
		return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
	}}
	for _, id := range []string{
		`x" & calc.exe & "@evil.example`,
		`x" -P "evil@evil.example`,
		`x" -profile \\evil.example\share "@evil.example`,
		`evil@evil.example\`,
		`%COMSPEC%@evil.example`,
		`a^&calc@evil.example`,
		`a|calc@evil.example`,
		`a<in>out@evil.example`,
		"a\tb@evil.example",
	} {
		got := WindowsMailCommand("Mozilla Thunderbird", tb, id)
		if got != tb {
			t.Errorf("WindowsMailCommand(..., %q) = %q, want %q (the inbox)", id, got, tb)
		}
		p, err := proc.PlanWindows(got, proc.Auto, env)
		if err != nil || !strings.HasSuffix(p.Path, "thunderbird.exe") {
			t.Errorf("WindowsMailCommand(..., %q) runs %q (err %v), want thunderbird.exe itself", id, p.Path, err)
		}
	}
	// What real mailers write still opens the message.
	for _, id := range []string{
		"CAF=9xQ+1b_n-kF3oA@mail.gmail.com",
		"DB9PR02MB7{3}$!#*'~?/f@eurprd02.prod.outlook.com",
		"20261130.1a2b3c@例え.example",
	} {
		if got, want := WindowsMailCommand("Mozilla Thunderbird", tb, id), tb+` "mid:`+id+`"`; got != want {
			t.Errorf("WindowsMailCommand(..., %q) = %q, want %q", id, got, want)
		}
	}
}
