//go:build winetest && linux

// Package winetest runs idlebell's Windows headless program under Wine
// against the test Dovecot: `make test-windows`, not part of `make test`.
// Each test starts idlebell.exe (GOOS=windows, -tags nogui) the way a user
// would and looks at what a Windows user would see: its exit status, JSON
// lines, log lines, files its hooks wrote, and the processes left running.
//
// Wine 8 lacks ProcessPrng, which Go 1.24 and later call at start; the
// stand-in in internal/wineprng is built with MinGW and put in the
// prefix's system32. Wine's powershell.exe is a stub, so hooks here run
// under hook_shell = "cmd"; the PowerShell command line is covered by the
// unit tests of internal/proc.
package winetest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"idlebell/internal/testsession"
)

// waitTimeout bounds every wait on Wine or idlebell; it is a limit against
// hanging forever, not a figure the tests check.
const waitTimeout = 90 * time.Second

var (
	work   string // the suite's temp dir
	exe    string // idlebell.exe
	helper string // helper.exe, in a directory with a space in its name
	prefix string // WINEPREFIX
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "winetest:", err)
		code = 1
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	for _, tool := range []string{"wine", "wineserver", "x86_64-w64-mingw32-gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			return 1, fmt.Errorf("%s is missing (make test-windows installs it): %w", tool, err)
		}
	}
	var err error
	if work, err = os.MkdirTemp("", "idlebell-wine-"); err != nil {
		return 1, err
	}
	defer os.RemoveAll(work)
	exe = filepath.Join(work, "idlebell.exe")
	helper = filepath.Join(work, "tools dir", "helper.exe")
	prefix = filepath.Join(work, "prefix")
	build := func(out, pkg string, tags ...string) error {
		args := append([]string{"build", "-o", out}, tags...)
		cmd := exec.Command("go", append(args, pkg)...)
		cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
		}
		return nil
	}
	if err := build(exe, "idlebell", "-tags", "nogui"); err != nil {
		return 1, err
	}
	if err := build(helper, "idlebell/internal/winetest/helper"); err != nil {
		return 1, err
	}
	// A fresh prefix with a wineserver that stays for the whole run: one
	// started by a test's wine would hold that test's output pipes open.
	// Their output goes to a file, never to a pipe, for the same reason.
	for _, d := range []string{prefix, filepath.Join(work, "tmp")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return 1, err
		}
	}
	logFile, err := os.Create(filepath.Join(work, "wine-setup.log"))
	if err != nil {
		return 1, err
	}
	defer logFile.Close()
	// The server stays 30 s after the last Windows process, so an aborted
	// run leaves nothing behind for long.
	for _, args := range [][]string{{"wineserver", "--persistent=30"}, {"wineboot", "--init"}} {
		cmd := wineCmd(context.Background(), args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Run(); err != nil {
			b, _ := os.ReadFile(logFile.Name())
			return 1, fmt.Errorf("%s: %w\n%s", args, err, b)
		}
	}
	defer func() {
		// Stop the wineserver and whatever still runs in the prefix.
		cmd := wineCmd(context.Background(), "wineserver", "--kill")
		cmd.Stdout, cmd.Stderr = logFile, logFile
		_ = cmd.Run()
	}()
	dll := filepath.Join(prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	src, _ := filepath.Abs("../wineprng")
	gcc := exec.Command("x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", dll,
		filepath.Join(src, "bcryptprimitives.c"), filepath.Join(src, "bcryptprimitives.def"))
	if b, err := gcc.CombinedOutput(); err != nil {
		return 1, fmt.Errorf("build bcryptprimitives.dll: %w\n%s", err, b)
	}
	return m.Run(), nil
}

// wineCmd is a command in the suite's prefix: wine, wineboot or wineserver.
func wineCmd(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	// TMPDIR: the wineserver's socket folder goes there, so it goes with
	// the suite's temp dir.
	cmd.Env = append(os.Environ(), "WINEPREFIX="+prefix, "TMPDIR="+filepath.Join(work, "tmp"), "WINEDEBUG=-all",
		"WINEDLLOVERRIDES=bcryptprimitives=n;mscoree,mshtml=", "WINEARCH=win64")
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// winPath is path as Windows programs under Wine see it (drive Z: is /).
func winPath(path string) string { return `Z:` + strings.ReplaceAll(path, "/", `\`) }

// userDir is a folder of the prefix's Windows profile, e.g. AppData/Local.
func userDir(t *testing.T, sub string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(prefix, "drive_c", "users", "*", "AppData"))
	for _, d := range m {
		if !strings.Contains(d, "Public") {
			return filepath.Join(filepath.Dir(d), sub)
		}
	}
	t.Fatalf("no user profile in %s", prefix)
	return ""
}

// run runs idlebell.exe to its end and returns stdout, stderr and the exit status.
func run(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	cmd := wineCmd(ctx, "wine", append([]string{exe}, args...)...)
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("wine idlebell.exe %q: %v\n%s", args, err, stderr.String())
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// writeFile writes content to path, making its directory.
func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// account is one [[account]] block on the test Dovecot's plain listener.
func account(name, user string, d *testsession.Dovecot, extra string) string {
	host, port, _ := strings.Cut(d.PlainAddr, ":")
	return fmt.Sprintf("[[account]]\nname = %q\nhost = %q\nport = %s\nsecurity = \"none\"\nusername = %q\n%s\n",
		name, host, port, user, extra)
}

// uniqueUser is a fresh IMAP user (an empty mailbox) for t.
func uniqueUser(t *testing.T) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(t.Name()))
	return fmt.Sprintf("wine-%s-%d", name, time.Now().UnixNano()%1e9)
}

func TestWineVersion(t *testing.T) {
	out, errText, code := run(t, nil, "--version")
	if code != 0 || !strings.HasPrefix(out, "idlebell ") {
		t.Errorf("idlebell.exe --version = %q, status %d, stderr %q", out, code, errText)
	}
}

// TestWinePasswordSources: password_command with quoted paths (through
// cmd.exe, and run directly), over TLS with a CA file, and a password that
// Windows' own tools stored in Credential Manager as UTF-16LE.
func TestWinePasswordSources(t *testing.T) {
	d := testsession.FromEnv(t).Dovecot
	dir := t.TempDir()
	pwFile := writeFile(t, filepath.Join(dir, "pw dir", "pw.txt"), d.Password()+"\r\n")
	user := uniqueUser(t)
	host, tlsPort, _ := strings.Cut(d.TLSAddr, ":")
	// The credential, as `cmdkey /generic:idlebell:Stored /user:Stored /pass` leaves it.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if b, err := wineCmd(ctx, "wine", helper, "credwrite", "idlebell:Stored", "Stored", d.Password()).CombinedOutput(); err != nil {
		t.Fatalf("helper credwrite: %v\n%s", err, b)
	}
	cfg := writeFile(t, filepath.Join(dir, "config.toml"),
		account("TypeQuoted", user, d, fmt.Sprintf("password_command = '''type \"%s\"'''", winPath(pwFile)))+
			fmt.Sprintf("[[account]]\nname = \"DirectTLS\"\nhost = %q\nport = %s\nusername = %q\ntls_ca_file = '%s'\npassword_command = '''\"%s\" printenv IDLEBELL_WINE_PW'''\n",
				host, tlsPort, user, winPath(d.CAFile), winPath(helper))+
			account("Stored", user, d, ""))
	out, errText, code := run(t, []string{"IDLEBELL_WINE_PW=" + d.Password()}, "check", "--json", "--config", winPath(cfg))
	var res struct {
		OK       bool `json:"ok"`
		Accounts []struct {
			Name    string `json:"account"`
			OK      bool   `json:"ok"`
			Message string `json:"message"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("check --json output %q: %v\nstderr: %s", out, err, errText)
	}
	if code != 0 || !res.OK || len(res.Accounts) != 3 {
		t.Errorf("check = status %d, %+v; want every account ok\nstderr: %s", code, res, errText)
	}
	for _, a := range res.Accounts {
		if !a.OK {
			t.Errorf("account %s: %s", a.Name, a.Message)
		}
	}
}

// TestWineNoPasswordNamesCmdkey: an account without a stored password is
// told to use the settings window or cmdkey, with the target go-keyring
// reads — never secret-tool.
func TestWineNoPasswordNamesCmdkey(t *testing.T) {
	d := testsession.FromEnv(t).Dovecot
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "config.toml"), account("Nothing Stored", uniqueUser(t), d, ""))
	out, errText, code := run(t, nil, "check", "--json", "--config", winPath(cfg))
	var res struct {
		Accounts []struct {
			Message string `json:"message"`
			Hint    string `json:"hint"`
			Error   string `json:"error"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Accounts) != 1 {
		t.Fatalf("check --json output %q: %v\nstderr: %s", out, err, errText)
	}
	a := res.Accounts[0]
	want := `cmdkey /generic:"idlebell:Nothing Stored" /user:"Nothing Stored" /pass`
	if code != 1 || !strings.Contains(a.Hint, want) || strings.Contains(a.Hint+a.Error, "secret-tool") {
		t.Errorf("check = status %d, %+v; want status 1 and a hint with %s", code, a, want)
	}
}

// winChild is idlebell.exe --headless running under Wine.
type winChild struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string // stdout
	mu     sync.Mutex
	stderr []string
	done   chan struct{}
}

func startHeadless(t *testing.T, cfg string) *winChild {
	t.Helper()
	cmd := wineCmd(context.Background(), "wine", exe, "--headless", "--config", winPath(cfg))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &winChild{t: t, cmd: cmd, lines: make(chan string, 100), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			c.mu.Lock()
			c.stderr = append(c.stderr, sc.Text())
			c.mu.Unlock()
		}
	}()
	go func() {
		readers.Wait()
		_ = cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			_ = cmd.Process.Kill()
			select {
			case <-c.done:
			case <-time.After(waitTimeout):
				// A process it left behind holds the output open.
				t.Errorf("idlebell.exe's output still open %s after it was killed", waitTimeout)
			}
		}
		if t.Failed() {
			t.Logf("idlebell.exe stderr:\n%s", c.stderrText())
		}
	})
	return c
}

func (c *winChild) stderrText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.stderr, "\n")
}

// waitStderr waits for a log line holding every one of subs.
func (c *winChild) waitStderr(subs ...string) string {
	c.t.Helper()
	var found string
	waitFor(c.t, fmt.Sprintf("a log line with %q", subs), func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, l := range c.stderr {
			ok := true
			for _, s := range subs {
				ok = ok && strings.Contains(l, s)
			}
			if ok {
				found = l
				return true
			}
		}
		return false
	})
	return found
}

func (c *winChild) nextLine() string {
	c.t.Helper()
	select {
	case l := <-c.lines:
		return l
	case <-time.After(waitTimeout):
		c.t.Fatalf("no JSON line within %s", waitTimeout)
		return ""
	}
}

// interrupt sends Ctrl+C (SIGINT, which Wine hands on as CTRL_C_EVENT) and
// returns the exit status.
func (c *winChild) interrupt() int {
	c.t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(waitTimeout):
		c.t.Fatalf("idlebell.exe did not exit within %s of Ctrl+C", waitTimeout)
	}
	return c.cmd.ProcessState.ExitCode()
}

// waitFor polls cond until it holds; the deadline only keeps a broken run
// from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processesWith lists the running processes whose command line contains
// token: Wine shows a Windows process's command line there.
func processesWith(token string) []string {
	var found []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(b), token) {
			continue
		}
		if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			s := string(st)
			if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) && (s[i+2] == 'Z' || s[i+2] == 'X') {
				continue
			}
		}
		found = append(found, e.Name()+" "+strings.ReplaceAll(string(b), "\x00", " "))
	}
	return found
}

// TestWineHookGetsMailAsData: the JSON line carries a hostile subject as
// it is; a cmd hook with quoted paths runs, hands the subject to a program
// only through the environment, and expands only the UID.
func TestWineHookGetsMailAsData(t *testing.T) {
	d := testsession.FromEnv(t).Dovecot
	dir := t.TempDir()
	outDir := filepath.Join(dir, "out dir")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	user := uniqueUser(t)
	subjects := filepath.Join(outDir, "subjects.txt")
	uids := filepath.Join(outDir, "uids.txt")
	batch := filepath.Join(outDir, "batch.txt")
	pw := writeFile(t, filepath.Join(dir, "pw.txt"), d.Password())
	hook := fmt.Sprintf(`"%s" record "%s" & echo uid=%%IDLEBELL_UID%%>>"%s"`, winPath(helper), winPath(subjects), winPath(uids))
	batchHook := fmt.Sprintf(`echo count=%%IDLEBELL_COUNT%%>>"%s"`, winPath(batch))
	cfg := writeFile(t, filepath.Join(dir, "config.toml"), account("Hooks", user, d,
		fmt.Sprintf("password_command = 'type %s'\nhook_shell = \"cmd\"\non_new_mail = '''%s'''\non_new_mail_batch = '''%s'''\n",
			winPath(pw), hook, batchHook)))
	c := startHeadless(t, cfg)
	c.waitStderr("msg=state", "account=Hooks", "state=idle")

	subject := `& calc & "%COMSPEC%"`
	if err := d.Deliver(user, testsession.Message("a@example.org", user+"@example.org", subject, "x")); err != nil {
		t.Fatal(err)
	}
	var mail struct {
		Subject string `json:"subject"`
		UID     uint32 `json:"uid"`
	}
	line := c.nextLine()
	if err := json.Unmarshal([]byte(line), &mail); err != nil || mail.Subject != subject {
		t.Fatalf("JSON line %q (%v), want subject %q", line, err, subject)
	}
	c.waitStderr(`msg="hook finished"`, "hook=on_new_mail_batch")
	if b, _ := os.ReadFile(subjects); string(b) != subject+"\n" {
		t.Errorf("the hook's program read IDLEBELL_SUBJECT = %q, want %q", b, subject+"\n")
	}
	if b, _ := os.ReadFile(uids); strings.TrimSpace(string(b)) != fmt.Sprintf("uid=%d", mail.UID) {
		t.Errorf("uids.txt = %q, want uid=%d", b, mail.UID)
	}
	if b, _ := os.ReadFile(batch); strings.TrimSpace(string(b)) != "count=1" {
		t.Errorf("batch.txt = %q, want count=1", b)
	}
	if code := c.interrupt(); code != 0 {
		t.Errorf("exit status after Ctrl+C = %d, want 0", code)
	}
}

// TestWineHookTreeKilled: a hook's whole process tree dies on its timeout
// (cmd.exe, the program it started and that program's child) and, for a
// hook still running, when idlebell exits — by Ctrl+C or killed outright.
func TestWineHookTreeKilled(t *testing.T) {
	d := testsession.FromEnv(t).Dovecot
	for _, tc := range []struct {
		name    string
		timeout string
		stop    func(c *winChild)
	}{
		// Long enough for Wine to start cmd.exe and two helpers first.
		{"timeout", "15s", func(c *winChild) { c.waitStderr(`msg="hook timed out; killed it"`) }},
		{"ctrl-c", "60s", func(c *winChild) {
			if code := c.interrupt(); code != 0 {
				t.Errorf("exit status after Ctrl+C = %d, want 0", code)
			}
		}},
		{"killed", "60s", func(c *winChild) {
			_ = c.cmd.Process.Kill()
			<-c.done
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			user := uniqueUser(t)
			token := fmt.Sprintf("tree%d", time.Now().UnixNano())
			pidFile := filepath.Join(dir, "pid.txt")
			never := filepath.Join(dir, "never.txt")
			pw := writeFile(t, filepath.Join(dir, "pw.txt"), d.Password())
			hook := fmt.Sprintf(`"%s" spawn "%s" %s & echo never>>"%s"`, winPath(helper), winPath(pidFile), token, winPath(never))
			cfg := writeFile(t, filepath.Join(dir, "config.toml"), account("Tree", user, d,
				fmt.Sprintf("password_command = 'type %s'\nhook_shell = \"cmd\"\nhook_timeout = %q\non_new_mail = '''%s'''\n",
					winPath(pw), tc.timeout, hook)))
			c := startHeadless(t, cfg)
			// Registered after startHeadless's, so it runs first: survivors
			// of a failed kill would hold idlebell.exe's output open.
			t.Cleanup(func() {
				for _, p := range processesWith(token) {
					pid, _ := strconv.Atoi(strings.Fields(p)[0])
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			})
			c.waitStderr("msg=state", "account=Tree", "state=idle")
			if err := d.Deliver(user, testsession.Message("a@example.org", user+"@example.org", "hang", "x")); err != nil {
				t.Fatal(err)
			}
			c.nextLine()
			// The grandchild (helper hang) is running once it wrote its pid.
			waitFor(t, "the hook's grandchild", func() bool {
				b, err := os.ReadFile(pidFile)
				return err == nil && strings.HasSuffix(string(b), "\n")
			})
			if got := processesWith(token); len(got) < 2 {
				t.Fatalf("hook processes running: %q, want helper spawn and helper hang", got)
			}
			tc.stop(c)
			waitFor(t, "the hook's processes to end", func() bool { return len(processesWith(token)) == 0 })
			if _, err := os.Stat(never); err == nil {
				t.Error("the hook's command line went on after its kill")
			}
		})
	}
}

// TestWineStateInLocalAppData: the state file lives in %LocalAppData%, and
// one an earlier version left in the roaming profile is moved there.
func TestWineStateInLocalAppData(t *testing.T) {
	d := testsession.FromEnv(t).Dovecot
	local := filepath.Join(userDir(t, "AppData/Local"), "idlebell", "state.json")
	roaming := filepath.Join(userDir(t, "AppData/Roaming"), "idlebell", "state.json")
	_ = os.Remove(local)
	writeFile(t, roaming, `{"version":1,"accounts":{}}`)

	dir := t.TempDir()
	pw := writeFile(t, filepath.Join(dir, "pw.txt"), d.Password())
	cfg := writeFile(t, filepath.Join(dir, "config.toml"),
		account("State", uniqueUser(t), d, fmt.Sprintf("password_command = 'type %s'\n", winPath(pw))))
	c := startHeadless(t, cfg)
	c.waitStderr("msg=state", "account=State", "state=idle")
	if code := c.interrupt(); code != 0 {
		t.Errorf("exit status after Ctrl+C = %d, want 0", code)
	}
	b, err := os.ReadFile(local)
	if err != nil || !strings.Contains(string(b), `"State"`) {
		t.Errorf("%%LocalAppData%%\\idlebell\\state.json = %q, %v; want the account's watermark", b, err)
	}
	if _, err := os.Stat(roaming); err == nil {
		t.Error("the roaming state file is still there")
	}
}
