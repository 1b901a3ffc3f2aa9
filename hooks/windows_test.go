package hooks

import (
	"slices"
	"strings"
	"testing"
	"time"

	"idlebell/internal/proc"
	"idlebell/settings"
)

// TestWindowsHookGetsMailOnlyAsData: on Windows, a hook's command line is
// the hook as configured, under PowerShell (or cmd.exe when asked); a
// subject such as `& calc & "%COMSPEC%"` is only in the environment, which
// PowerShell's $env: reads as a value and never parses.
func TestWindowsHookGetsMailOnlyAsData(t *testing.T) {
	subject := `& calc & "%COMSPEC%"`
	from := `"; Start-Process calc; "`
	tests := []struct {
		setting, hook string
		want          proc.Shell
	}{
		{"", `Write-Output $env:IDLEBELL_SUBJECT`, proc.PowerShell},
		{"powershell", "if ($env:IDLEBELL_CATCH_UP -eq 'true') { exit 0 }\nWrite-Output \"$($env:IDLEBELL_FROM): $($env:IDLEBELL_SUBJECT)\"", proc.PowerShell},
		{"cmd", `echo %IDLEBELL_UID% >> "%TEMP%\mail.log"`, proc.System},
	}
	for _, tc := range tests {
		r := New(nil)
		a := account("Work", tc.hook, "", time.Minute)
		a.HookShell = tc.setting
		r.Configure(&settings.Config{Accounts: []settings.Account{a}})
		m := mail("Work", 1, subject)
		m.FromName = from
		r.mu.Lock()
		j, ok := r.jobFor(m)
		r.mu.Unlock()
		r.Close()
		if !ok {
			t.Fatalf("hook_shell %q: no job for the mail", tc.setting)
		}

		line, shell, env := invocation("windows", j)
		if shell != tc.want {
			t.Errorf("hook_shell %q: shell %v, want %v", tc.setting, shell, tc.want)
		}
		p, err := proc.PlanWindows(line, shell, proc.WinEnv{SystemRoot: `C:\Windows`})
		if err != nil {
			t.Fatalf("hook_shell %q: PlanWindows: %v", tc.setting, err)
		}
		for _, data := range []string{subject, from, "calc", "COMSPEC"} {
			if strings.Contains(p.CmdLine, data) {
				t.Errorf("hook_shell %q: command line %s contains mail data %q", tc.setting, p.CmdLine, data)
			}
		}
		wantTail := ` /d /s /c "` + tc.hook + `"`
		if tc.want == proc.PowerShell {
			wantTail = " -NoProfile -NonInteractive -Command " + proc.QuoteArg(tc.hook)
		}
		if !strings.HasSuffix(p.CmdLine, wantTail) {
			t.Errorf("hook_shell %q: command line %s, want it to end in %s", tc.setting, p.CmdLine, wantTail)
		}
		for _, kv := range []string{"IDLEBELL_SUBJECT=" + subject, "IDLEBELL_FROM=" + from} {
			if !slices.Contains(env, kv) {
				t.Errorf("hook_shell %q: environment lacks %q", tc.setting, kv)
			}
		}
	}
}
