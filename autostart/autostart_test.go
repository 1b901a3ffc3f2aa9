package autostart

import (
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"idlebell/appinfo"
)

var testApp = appinfo.Info{ID: "io.github.idlebell", Name: "idlebell", GenericName: "Mail notifier",
	Comment: "New-mail notifications over IMAP IDLE", Version: "1.2.3", Build: 1}

// mkfile creates path (and its folders) with some content.
func mkfile(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestProgram(t *testing.T) {
	root := t.TempDir()
	if InBuildFolder(filepath.Join(root, "x")) {
		t.Fatalf("the test's temporary folder %s counts as a build folder", root)
	}
	mkfile(t, filepath.Join(root, "src", "go.mod"))
	built := mkfile(t, filepath.Join(root, "src", "bin", "idlebell"))
	goRun := mkfile(t, filepath.Join(root, "go-build123", "b001", "exe", "idlebell"))
	installed := mkfile(t, filepath.Join(root, "prefix", "bin", "idlebell"))
	opt := mkfile(t, filepath.Join(root, "opt", "idlebell", "idlebell"))
	linkToOpt := filepath.Join(root, "links", "idlebell")
	linkToBuilt := filepath.Join(root, "devlinks", "idlebell")
	for link, target := range map[string]string{linkToOpt: opt, linkToBuilt: built} {
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	inPath := func(p string) func(string) (string, error) {
		return func(name string) (string, error) {
			if name != "idlebell" {
				t.Errorf("lookPath(%q), want idlebell", name)
			}
			if p == "" {
				return "", exec.ErrNotFound
			}
			return p, nil
		}
	}
	for _, c := range []struct {
		name, exe, path, want string
		wantErr               error
	}{
		{"installed, runs itself", installed, "", installed, nil},
		{"installed elsewhere than PATH's", installed, opt, installed, nil},
		{"started through a link: the link's target", linkToOpt, "", opt, nil},
		{"build folder, installed in PATH", built, installed, installed, nil},
		{"build folder, PATH has a link: kept as found", built, linkToOpt, linkToOpt, nil},
		{"go run, installed in PATH", goRun, installed, installed, nil},
		{"build folder, not in PATH", built, "", "", ErrNotInstalled},
		{"build folder, PATH has the build", built, built, "", ErrNotInstalled},
		{"build folder, PATH links to the build", built, linkToBuilt, "", ErrNotInstalled},
		{"go run, not in PATH", goRun, "", "", ErrNotInstalled},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := program(c.exe, "idlebell", inPath(c.path))
			if got != c.want || !errors.Is(err, c.wantErr) {
				t.Errorf("program(%s) = %q, %v; want %q, %v", c.exe, got, err, c.want, c.wantErr)
			}
		})
	}
}

// parseExec splits an Exec value as the Desktop Entry Specification says:
// first the string escapes, then quoting (a desktop's launcher does this).
func parseExec(t *testing.T, v string) []string {
	t.Helper()
	var s strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			s.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 's':
			s.WriteByte(' ')
		case 'n':
			s.WriteByte('\n')
		case 't':
			s.WriteByte('\t')
		case 'r':
			s.WriteByte('\r')
		case '\\':
			s.WriteByte('\\')
		default:
			t.Fatalf("Exec=%s: invalid string escape \\%c", v, v[i])
		}
	}
	str := s.String()
	var args []string
	for i := 0; i < len(str); {
		switch {
		case str[i] == ' ':
			i++
		case str[i] == '"':
			var a strings.Builder
			for i++; ; i++ {
				if i >= len(str) {
					t.Fatalf("Exec=%s: unterminated quote", v)
				}
				if str[i] == '"' {
					i++
					break
				}
				if str[i] == '\\' {
					i++
					if !strings.ContainsRune("\"`$\\", rune(str[i])) {
						t.Fatalf("Exec=%s: \\%c inside quotes", v, str[i])
					}
				} else if str[i] == '%' {
					i++
					if str[i] != '%' {
						t.Fatalf("Exec=%s: field code %%%c", v, str[i])
					}
				}
				a.WriteByte(str[i])
			}
			args = append(args, a.String())
		default:
			t.Fatalf("Exec=%s: unquoted argument", v)
		}
	}
	return args
}

func TestDesktopEntry(t *testing.T) {
	got, err := DesktopEntry(testApp, "/usr/bin/idlebell")
	if err != nil {
		t.Fatal(err)
	}
	const want = `[Desktop Entry]
Type=Application
Name=idlebell
GenericName=Mail notifier
Comment=New-mail notifications over IMAP IDLE
Exec="/usr/bin/idlebell"
Icon=io.github.idlebell
Terminal=false
StartupNotify=false
X-GNOME-Autostart-enabled=true
`
	if string(got) != want {
		t.Errorf("DesktopEntry(/usr/bin/idlebell) =\n%s\nwant\n%s", got, want)
	}

	for _, exe := range []string{
		"/usr/bin/idlebell",
		"/home/a b/.local/bin/idlebell",
		`/home/x/"quoted"/idlebell`,
		`/home/x/back\slash/idlebell`,
		"/home/x/$HOME/`id`/100%/idlebell",
		"/home/jürgen/Mails & Co/idlebell",
	} {
		b, err := DesktopEntry(testApp, exe)
		if err != nil {
			t.Fatalf("DesktopEntry(%q): %v", exe, err)
		}
		var execLine string
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Exec="); ok {
				execLine = v
			}
		}
		if args := parseExec(t, execLine); len(args) != 1 || args[0] != exe {
			t.Errorf("DesktopEntry(%q): Exec=%s starts %q, want [%q]", exe, execLine, args, exe)
		}
		validate(t, b)
	}

	if _, err := DesktopEntry(testApp, "/tmp/a\nExec=rm"); err == nil {
		t.Error("DesktopEntry(path with a newline) = nil error, want one")
	}
}

// validate runs desktop-file-validate on an autostart file, where it is
// installed; make test installs it (IDLEBELL_TEST_SERVICES=1).
func validate(t *testing.T, b []byte) {
	t.Helper()
	tool, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		if os.Getenv("IDLEBELL_TEST_SERVICES") == "1" {
			t.Fatal("desktop-file-validate not found (Debian package desktop-file-utils)")
		}
		return
	}
	p := filepath.Join(t.TempDir(), testApp.ID+".desktop")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, p).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("desktop-file-validate: %v\n%s\n%s", err, out, b)
	}
}

func TestDesktopEntryActive(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"[Desktop Entry]\nExec=x\n", true},
		{"[Desktop Entry]\nExec=x\nHidden=true\n", false},
		{"[Desktop Entry]\nHidden = true\n", false},
		{"[Desktop Entry]\nX-GNOME-Autostart-enabled=false\n", false},
		{"[Desktop Entry]\nHidden=false\nX-GNOME-Autostart-enabled=true\n", true},
		{"[Desktop Entry]\nExec=x\n[Desktop Action y]\nHidden=true\n", true},
	} {
		if got := desktopEntryActive([]byte(c.text)); got != c.want {
			t.Errorf("desktopEntryActive(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

func TestLaunchAgent(t *testing.T) {
	if got, want := LaunchAgentPath("/Users/ann", "io.github.idlebell"), "/Users/ann/Library/LaunchAgents/io.github.idlebell.plist"; got != want {
		t.Errorf("LaunchAgentPath = %q, want %q", got, want)
	}
	const exe = "/Applications/Mail & <Co>/idlebell.app/Contents/MacOS/idlebell"
	b := LaunchAgent("io.github.idlebell", exe)
	// What launchd reads: the keys and values in order.
	var plist struct {
		Dict struct {
			Items []struct {
				XMLName xml.Name
				Value   string   `xml:",chardata"`
				Strings []string `xml:"string"`
			} `xml:",any"`
		} `xml:"dict"`
	}
	if err := xml.Unmarshal(b, &plist); err != nil {
		t.Fatalf("LaunchAgent is not XML: %v\n%s", err, b)
	}
	var got []string
	for _, it := range plist.Dict.Items {
		switch it.XMLName.Local {
		case "array":
			got = append(got, "["+strings.Join(it.Strings, "|")+"]")
		case "true":
			got = append(got, "true")
		default:
			got = append(got, it.XMLName.Local+":"+strings.TrimSpace(it.Value))
		}
	}
	want := []string{"key:Label", "string:io.github.idlebell", "key:ProgramArguments", "[" + exe + "]",
		"key:RunAtLoad", "true", "key:LimitLoadToSessionType", "string:Aqua", "key:ProcessType", "string:Interactive"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("LaunchAgent(%q) reads as\n%s\nwant\n%s\n%s", exe, strings.Join(got, "\n"), strings.Join(want, "\n"), b)
	}
	if !strings.HasPrefix(string(b), `<?xml version="1.0" encoding="UTF-8"?>`+"\n<!DOCTYPE plist") {
		t.Errorf("LaunchAgent lacks the plist header:\n%s", b)
	}
}

func TestRunValue(t *testing.T) {
	for _, c := range []struct{ exe, want string }{
		{`C:\Program Files\idlebell\idlebell.exe`, `"C:\Program Files\idlebell\idlebell.exe"`},
		{`C:\Users\Jürgen\AppData\Local\Programs\idlebell\idlebell.exe`, `"C:\Users\Jürgen\AppData\Local\Programs\idlebell\idlebell.exe"`},
		{`C:\a&b %PATH%\idlebell.exe`, `"C:\a&b %PATH%\idlebell.exe"`},
	} {
		got, err := RunValue(c.exe)
		if got != c.want || err != nil {
			t.Errorf("RunValue(%q) = %q, %v; want %q", c.exe, got, err, c.want)
		}
	}
	for _, bad := range []string{`C:\a"b\idlebell.exe`, "C:\\a\nb\\idlebell.exe"} {
		if got, err := RunValue(bad); err == nil {
			t.Errorf("RunValue(%q) = %q, nil; want an error", bad, got)
		}
	}
	if RunKey != `Software\Microsoft\Windows\CurrentVersion\Run` {
		t.Errorf("RunKey = %q", RunKey)
	}
}
