package proc

import (
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// winArgs splits a Windows command line the way CommandLineToArgvW and the
// C runtime do (the rules since 2008): argv[0] ends at white space or its
// closing quote, unescaped; after it, 2n backslashes before a quote give n
// backslashes and toggle quoting, 2n+1 give n and a literal quote, other
// backslashes are literal, and "" inside quotes is a literal quote.
func winArgs(s string) []string {
	var args []string
	i := 0
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return []string{s[1:]}
		}
		args = append(args, s[1:1+end])
		i = end + 2
	} else {
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			return []string{s}
		}
		args = append(args, s[:end])
		i = end
	}
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			return args
		}
		var b strings.Builder
		quoted := false
		for i < len(s) {
			c := s[i]
			if (c == ' ' || c == '\t') && !quoted {
				break
			}
			switch c {
			case '\\':
				n := 0
				for i+n < len(s) && s[i+n] == '\\' {
					n++
				}
				if i+n < len(s) && s[i+n] == '"' {
					b.WriteString(strings.Repeat(`\`, n/2))
					if n%2 == 1 {
						b.WriteByte('"')
						i += n + 1
					} else {
						i += n
					}
					continue
				}
				b.WriteString(strings.Repeat(`\`, n))
				i += n
			case '"':
				if quoted && i+1 < len(s) && s[i+1] == '"' {
					b.WriteByte('"')
					i += 2
					continue
				}
				quoted = !quoted
				i++
			default:
				b.WriteByte(c)
				i++
			}
		}
		args = append(args, b.String())
	}
}

// cmdRuns is what cmd.exe runs of a command line with /s /c (from `cmd /?`):
// the text after /c; when it starts with a quote, that quote and the last
// one on the line are removed and the rest is kept as it is.
func cmdRuns(t *testing.T, cmdline string) string {
	t.Helper()
	_, rest, ok := strings.Cut(cmdline, " /d /s /c ")
	if !ok {
		t.Fatalf("command line %q has no /d /s /c", cmdline)
	}
	rest = strings.TrimLeft(rest, " \t")
	if strings.HasPrefix(rest, `"`) {
		rest = rest[1:]
		if k := strings.LastIndexByte(rest, '"'); k >= 0 {
			rest = rest[:k] + rest[k+1:]
		}
	}
	return rest
}

var testWinEnv = WinEnv{
	ComSpec:    `C:\Windows\system32\cmd.exe`,
	SystemRoot: `C:\Windows`,
	LookPath: func(name string) (string, error) {
		switch strings.ToLower(name) {
		case "keepassxc-cli", `c:\program files\keepassxc\keepassxc-cli.exe`:
			return `C:\Program Files\KeePassXC\keepassxc-cli.exe`, nil
		case "thunderbird":
			return `C:\Program Files\Mozilla Thunderbird\thunderbird.exe`, nil
		case "getpw":
			return `C:\Tools\getpw.cmd`, nil
		}
		return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
	},
}

func TestPlanWindowsCmd(t *testing.T) {
	lines := []string{
		`type "C:\pw dir\pw.txt"`,
		`"C:\Program Files\My Tools\pw.bat" --account "Work"`,
		`echo a & echo b`,
		`echo 100%% done & type %APPDATA%\idlebell\pw`,
		`echo ^& literal ^^ caret`,
		`findstr /r "^[a-z]" "C:\pw dir\x.txt" | more`,
		`type C:\Users\Jürgen\Passwörter\工作.txt`,
		`echo "unbalanced`,
		`"C:\a b\c.exe" "x \"y\" z\\"`,
		`(echo one) > NUL 2>&1`,
	}
	for _, line := range lines {
		p, err := PlanWindows(line, System, testWinEnv)
		if err != nil {
			t.Errorf("PlanWindows(%q, System) error %v", line, err)
			continue
		}
		want := `C:\Windows\system32\cmd.exe`
		if p.Path != want || winArgs(p.CmdLine)[0] != want {
			t.Errorf("PlanWindows(%q).Path = %q, argv[0] %q, want %q", line, p.Path, winArgs(p.CmdLine)[0], want)
		}
		if wantLine := `"` + want + `" /d /s /c "` + line + `"`; p.CmdLine != wantLine {
			t.Errorf("PlanWindows(%q).CmdLine = %s\nwant %s", line, p.CmdLine, wantLine)
		}
		if got := cmdRuns(t, p.CmdLine); got != line {
			t.Errorf("cmd.exe runs %q of PlanWindows(%q), want the line unchanged", got, line)
		}
	}
}

func TestPlanWindowsCmdLineBreaks(t *testing.T) {
	for _, line := range []string{"echo a\necho b", "echo a\r\necho b", "echo a\rb"} {
		if _, err := PlanWindows(line, System, testWinEnv); !errors.Is(err, ErrMultiLine) {
			t.Errorf("PlanWindows(%q, System) error = %v, want ErrMultiLine", line, err)
		}
	}
	// A TOML multi-line string ends with a line break: still one line.
	p, err := PlanWindows("\necho one & echo two\r\n", System, testWinEnv)
	if err != nil || cmdRuns(t, p.CmdLine) != "echo one & echo two" {
		t.Errorf("PlanWindows(one line between line breaks) = %q, %v", p.CmdLine, err)
	}
}

func TestPlanWindowsCmdPath(t *testing.T) {
	tests := []struct {
		env  WinEnv
		want string
	}{
		{WinEnv{ComSpec: `D:\Win\System32\cmd.exe`, SystemRoot: `D:\Win`}, `D:\Win\System32\cmd.exe`},
		{WinEnv{SystemRoot: `D:\Win\`}, `D:\Win\System32\cmd.exe`},
		{WinEnv{ComSpec: `cmd.exe`}, `C:\Windows\System32\cmd.exe`}, // never relative: no lookup in the current directory
		{WinEnv{}, `C:\Windows\System32\cmd.exe`},
	}
	for _, tc := range tests {
		p, err := PlanWindows("echo x", System, tc.env)
		if err != nil || p.Path != tc.want || !strings.HasPrefix(p.CmdLine, `"`+tc.want+`" `) {
			t.Errorf("PlanWindows with %+v = %q (%q), %v; want %q", tc.env, p.Path, p.CmdLine, err, tc.want)
		}
	}
}

func TestPlanWindowsPowerShell(t *testing.T) {
	scripts := []string{
		`Write-Output $env:IDLEBELL_SUBJECT`,
		`New-BurntToastNotification -Text $env:IDLEBELL_FROM, "New mail: $($env:IDLEBELL_SUBJECT)"`,
		"if ($env:IDLEBELL_CATCH_UP -eq 'true') { exit 0 }\r\nAdd-Content -Path \"C:\\mail log\\new.txt\" -Value $env:IDLEBELL_SUBJECT\n",
		`& "C:\Program Files\Scripts\on mail.ps1" -Account $env:IDLEBELL_ACCOUNT`,
		`Write-Output "ends in a backslash\"`,
		`Write-Output 'C:\dir\\' "\\" '\"' '""'`,
		`Write-Output 'Grüße' '工作' '🔔'`,
		`echo %COMSPEC% ^& calc & exit 3`,
		"\t  leading and trailing white space  \t",
	}
	ps := `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	for _, script := range scripts {
		p, err := PlanWindows(script, PowerShell, testWinEnv)
		if err != nil {
			t.Errorf("PlanWindows(%q, PowerShell) error %v", script, err)
			continue
		}
		want := []string{ps, "-NoProfile", "-NonInteractive", "-Command", script}
		if got := winArgs(p.CmdLine); p.Path != ps || !slices.Equal(got, want) {
			t.Errorf("PlanWindows(%q, PowerShell): powershell.exe gets %q (path %q), want %q\ncommand line: %s",
				script, got, p.Path, want, p.CmdLine)
		}
	}
}

func TestPlanWindowsAuto(t *testing.T) {
	cmd := `C:\Windows\system32\cmd.exe`
	tests := []struct {
		line     string
		wantPath string // cmd: runs under cmd.exe
		wantLine string // the command line of a direct run
	}{
		{`"C:\Program Files\KeePassXC\keepassxc-cli.exe" show -q C:\db.kdbx mail/work`,
			`C:\Program Files\KeePassXC\keepassxc-cli.exe`,
			`"C:\Program Files\KeePassXC\keepassxc-cli.exe" show -q C:\db.kdbx mail/work`},
		{` keepassxc-cli show "C:\my db.kdbx" "mail/my work" `, `C:\Program Files\KeePassXC\keepassxc-cli.exe`,
			`keepassxc-cli show "C:\my db.kdbx" "mail/my work"`},
		{`thunderbird -mail`, `C:\Program Files\Mozilla Thunderbird\thunderbird.exe`, `thunderbird -mail`},
		{`type "C:\pw dir\pw.txt"`, cmd, ""},             // a built-in of cmd.exe
		{`START "" thunderbird`, cmd, ""},                // built-ins in any case
		{`C:\Tools\getpw.bat Work`, cmd, ""},             // a batch file
		{`getpw Work`, cmd, ""},                          // found as a batch file
		{`keepassxc-cli show db x | more`, cmd, ""},      // a pipe
		{`keepassxc-cli show %USERPROFILE%\db`, cmd, ""}, // %VAR%
		{`"unclosed quote`, cmd, ""},
	}
	for _, tc := range tests {
		p, err := PlanWindows(tc.line, Auto, testWinEnv)
		if err != nil {
			t.Errorf("PlanWindows(%q, Auto) error %v", tc.line, err)
			continue
		}
		if p.Path != tc.wantPath {
			t.Errorf("PlanWindows(%q, Auto).Path = %q, want %q", tc.line, p.Path, tc.wantPath)
		}
		if tc.wantPath == cmd {
			if got, want := cmdRuns(t, p.CmdLine), strings.TrimSpace(tc.line); got != want {
				t.Errorf("cmd.exe runs %q of PlanWindows(%q, Auto), want %q", got, tc.line, want)
			}
		} else if p.CmdLine != tc.wantLine {
			t.Errorf("PlanWindows(%q, Auto).CmdLine = %q, want %q", tc.line, p.CmdLine, tc.wantLine)
		}
	}
	if _, err := PlanWindows(`no-such-tool --x`, Auto, testWinEnv); !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("PlanWindows(missing program) error = %v, want exec.ErrNotFound", err)
	}
}

func TestPlanUnix(t *testing.T) {
	sh := func(c string) Plan { return Plan{Path: "/bin/sh", Args: []string{"/bin/sh", "-c", c}} }
	direct := func(args ...string) Plan { return Plan{Path: args[0], Args: args} }
	tests := []struct {
		line  string
		shell Shell
		want  Plan
	}{
		{"pass show mail/work", Auto, direct("pass", "show", "mail/work")},
		{"  secret-tool lookup service  imap ", Auto, direct("secret-tool", "lookup", "service", "imap")},
		{"pass show 'mail/my work'", Auto, sh("pass show 'mail/my work'")},
		{"pass show mail/work | head -1", Auto, sh("pass show mail/work | head -1")},
		{"cat $HOME/pw", Auto, sh("cat $HOME/pw")},
		{"cat ~/pw", Auto, sh("cat ~/pw")},
		{"gpg -d pw.gpg 2>/dev/null", Auto, sh("gpg -d pw.gpg 2>/dev/null")},
		{"FOO=1 cmd", Auto, sh("FOO=1 cmd")},
		{"thunderbird -mail", System, sh("thunderbird -mail")},
		{"printf '%s\\n' \"$IDLEBELL_SUBJECT\"\nexit 0\n", System, sh("printf '%s\\n' \"$IDLEBELL_SUBJECT\"\nexit 0\n")},
	}
	for _, tc := range tests {
		got, err := PlanUnix(tc.line, tc.shell)
		if err != nil || got.Path != tc.want.Path || !slices.Equal(got.Args, tc.want.Args) || got.CmdLine != "" {
			t.Errorf("PlanUnix(%q, %v) = %+v, %v, want %+v", tc.line, tc.shell, got, err, tc.want)
		}
	}
	if _, err := PlanUnix("echo", PowerShell); !errors.Is(err, ErrNoPowerShell) {
		t.Errorf("PlanUnix(PowerShell) error = %v, want ErrNoPowerShell", err)
	}
}

func TestPlanBadLines(t *testing.T) {
	for _, shell := range []Shell{Auto, System, PowerShell} {
		for line, want := range map[string]error{"": ErrEmpty, " \t\n": ErrEmpty, "echo a\x00b": ErrNUL} {
			if _, err := PlanWindows(line, shell, testWinEnv); !errors.Is(err, want) {
				t.Errorf("PlanWindows(%q, %v) error = %v, want %v", line, shell, err, want)
			}
			if _, err := PlanUnix(line, shell); !errors.Is(err, want) {
				t.Errorf("PlanUnix(%q, %v) error = %v, want %v", line, shell, err, want)
			}
		}
	}
}

func TestHookShell(t *testing.T) {
	tests := []struct {
		goos, setting string
		want          Shell
	}{
		{"windows", "", PowerShell},
		{"windows", "powershell", PowerShell},
		{"windows", "cmd", System},
		{"linux", "", System},
		{"linux", "cmd", System},
		{"darwin", "powershell", System},
	}
	for _, tc := range tests {
		if got := HookShell(tc.goos, tc.setting); got != tc.want {
			t.Errorf("HookShell(%q, %q) = %v, want %v", tc.goos, tc.setting, got, tc.want)
		}
	}
}

func TestQuoteArg(t *testing.T) {
	for _, s := range []string{"", "a", "a b", `a"b`, `a\b`, `a\"b`, `a\\"b`, `trailing\`, `trailing\\`,
		`"`, `\`, `\\\"`, "line\nbreak", "tab\there", "Grüße 工作 🔔", `%PATH% & ^ | < >`} {
		cmdline := `prog.exe ` + QuoteArg(s) + ` next`
		if got := winArgs(cmdline); !slices.Equal(got, []string{"prog.exe", s, "next"}) {
			t.Errorf("winArgs(prog.exe QuoteArg(%q) next) = %q", s, got)
		}
	}
}

func TestPlanOpen(t *testing.T) {
	url := "https://accounts.example.com/auth?client_id=a&scope=b%20c&state=x"
	w := PlanOpen("windows", url, `D:\Win`)
	if w.Path != `D:\Win\System32\rundll32.exe` || w.CmdLine != `"D:\Win\System32\rundll32.exe" url.dll,FileProtocolHandler `+url {
		t.Errorf("PlanOpen(windows) = %+v", w)
	}
	if m := PlanOpen("darwin", "mailto:", ""); !slices.Equal(m.Args, []string{"/usr/bin/open", "mailto:"}) || m.CmdLine != "" {
		t.Errorf("PlanOpen(darwin) = %+v", m)
	}
	if l := PlanOpen("linux", "mailto:", ""); !slices.Equal(l.Args, []string{"xdg-open", "mailto:"}) || l.Path != "xdg-open" {
		t.Errorf("PlanOpen(linux) = %+v", l)
	}
}
