package ui

import (
	"testing"
	"time"

	"idlebell/i18n/i18ntest"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// TestCapitalise: a sentence starts with a capital and ends with a full
// stop, but a host name, a config key or idlebell's own name at the start
// keeps its spelling, and a sentence that ends with … ? or ! gets no stop.
func TestCapitalise(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"login failed: check the password", "Login failed: check the password."},
		{"anmeldung fehlgeschlagen.", "Anmeldung fehlgeschlagen."},
		{"über den Server", "Über den Server."},
		{"imap.gmx.net nicht gefunden", "imap.gmx.net nicht gefunden."},
		{"127.0.0.1:1 refused the connection", "127.0.0.1:1 refused the connection."},
		{"password_command failed", "password_command failed."},
		{"idlebell is already running", "idlebell is already running."},
		{"verbindung wird hergestellt…", "Verbindung wird hergestellt…"},
		{"really?", "Really?"},
		{"", ""},
	} {
		if got := capitalise(tt.in); got != tt.want {
			t.Errorf("capitalise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPollIntervalText: a server without IDLE says how often it is
// checked in words, not in Go's duration syntax ("2m0s").
func TestPollIntervalText(t *testing.T) {
	for _, tt := range []struct {
		locale string
		every  time.Duration
		want   string
	}{
		{"C.UTF-8", 2 * time.Minute, "Connected: no IDLE: checked every 2 minutes."},
		{"C.UTF-8", 90 * time.Second, "Connected: no IDLE: checked every 90 seconds."},
		{"de_DE.UTF-8", 2 * time.Minute, "Verbunden: kein IDLE: Prüfung alle 2 Minuten."},
		{"de_DE.UTF-8", time.Minute, "Verbunden: kein IDLE: Prüfung jede Minute."},
	} {
		i18ntest.Use(t, tt.locale)
		a := settings.NewAccount("Work")
		a.PollInterval.Duration = tt.every
		if got := connectedText(&imapwatch.CheckResult{Idle: false}, a); got != tt.want {
			t.Errorf("%s: connectedText(no IDLE, every %s) = %q, want %q", tt.locale, tt.every, got, tt.want)
		}
	}
}

// TestProblemCmdExpandsMailData: a command that cmd.exe would expand the
// mail's data into is said in the window's words, in English and German.
func TestProblemCmdExpandsMailData(t *testing.T) {
	a := settings.NewAccount("Work")
	a.HookShell, a.OnNewMail, a.OpenCommand = settings.HookShellCmd, "echo %IDLEBELL_SUBJECT%", `thunderbird.exe "mid:%IDLEBELL_MESSAGE_ID%"`
	n := settings.Notifications{OpenCommand: "start %idlebell_from%"}
	for _, tt := range []struct{ locale, field, want string }{
		{"C.UTF-8", "on_new_mail", "%IDLEBELL_SUBJECT% holds what the mail's sender wrote, and cmd.exe would run it as a command: leave it to the program you call, or choose PowerShell."},
		{"C.UTF-8", "open_command", "%IDLEBELL_MESSAGE_ID% holds what the mail's sender wrote, and cmd.exe would run it as a command: leave it to the program you call."},
		{"C.UTF-8", "notifications.open_command", "%IDLEBELL_FROM% holds what the mail's sender wrote, and cmd.exe would run it as a command: leave it to the program you call."},
		{"de_DE.UTF-8", "on_new_mail", "%IDLEBELL_SUBJECT% enthält, was der Absender der Mail geschrieben hat, und cmd.exe würde es als Befehl ausführen: Überlassen Sie es dem aufgerufenen Programm, oder wählen Sie PowerShell."},
		{"de_DE.UTF-8", "open_command", "%IDLEBELL_MESSAGE_ID% enthält, was der Absender der Mail geschrieben hat, und cmd.exe würde es als Befehl ausführen: Überlassen Sie es dem aufgerufenen Programm."},
	} {
		i18ntest.Use(t, tt.locale)
		if got := problemText(settings.Problem{Field: tt.field}, a, n); got != tt.want {
			t.Errorf("%s: problemText(%s) = %q, want %q", tt.locale, tt.field, got, tt.want)
		}
	}
}
