//go:build linux

package testsession

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"
)

const trayChildEnv = "IDLEBELL_TESTSESSION_TRAY_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(trayChildEnv) == "1" {
		trayChild()
		return
	}
	os.Exit(m.Run())
}

// trayChild runs fyne's systray, the library the app's tray uses, with a small menu. It
// prints "clicked LABEL" for each click; after the click on "Quit" it exits once its stdin
// is closed. systray answers a click's D-Bus call after handing the click on: a child that
// exited at once could be gone before the answer, and the caller would see "Message
// recipient disconnected without replying" for a click that worked.
func trayChild() {
	icon := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	for i := range icon.Pix {
		icon.Pix[i] = []byte{0xff, 0, 0, 0xff}[i%4] // opaque red
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, icon); err != nil {
		panic(err)
	}
	systray.Run(func() {
		systray.SetIcon(buf.Bytes())
		check := systray.AddMenuItem("Check now", "")
		off := systray.AddMenuItem("Paused account", "")
		off.Disable()
		systray.AddSeparator()
		quit := systray.AddMenuItem("Quit", "")
		go func() {
			for {
				select {
				case <-check.ClickedCh:
					fmt.Println("clicked Check now")
				case <-quit.ClickedCh:
					fmt.Println("clicked Quit")
					_, _ = io.Copy(io.Discard, os.Stdin) // until the test has its answer
					systray.Quit()
					return
				}
			}
		}()
	}, nil)
}

func TestDesktopServices(t *testing.T) {
	t.Parallel()
	d := DesktopFromEnv(t)
	conn, err := dbus.Connect(d.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, name := range []string{SecretsName, NotifyName, SNIWatchName} {
		if err := hasOwner(conn, name); err != nil {
			t.Error(err)
		}
	}
	// The keyring is unlocked: a secret goes in and comes out without a prompt.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	attrs := []string{"service", "idlebell-testsession", "user", fmt.Sprint(time.Now().UnixNano())}
	store := exec.CommandContext(ctx, "secret-tool", append([]string{"store", "--label=test"}, attrs...)...)
	store.Env = append(os.Environ(), d.Env()...)
	store.Stdin = strings.NewReader("s3cret")
	if out, err := store.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v: %s", err, out)
	}
	lookup := exec.CommandContext(ctx, "secret-tool", append([]string{"lookup"}, attrs...)...)
	lookup.Env = append(os.Environ(), d.Env()...)
	if out, err := lookup.Output(); err != nil || string(out) != "s3cret" {
		t.Errorf("secret-tool lookup = %q, %v, want \"s3cret\"", out, err)
	}
}

func TestWatchNotify(t *testing.T) {
	t.Parallel()
	d := DesktopFromEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	notes, err := WatchNotify(ctx, d.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "notify-send", "-a", "testsession", "-t", "1500", "New mail", "from alice")
	cmd.Env = append(os.Environ(), d.Env()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("notify-send: %v: %s", err, out)
	}
	for {
		select {
		case n, ok := <-notes:
			if !ok {
				t.Fatal("WatchNotify channel closed before the notification arrived")
			}
			if n.AppName != "testsession" {
				continue // someone else's
			}
			want := Notification{AppName: "testsession", Summary: "New mail", Body: "from alice", Timeout: 1500}
			if n.Summary != want.Summary || n.Body != want.Body || n.Timeout != want.Timeout {
				t.Errorf("Notify = %+v, want %+v", n, want)
			}
			return
		case <-ctx.Done():
			t.Fatal("no Notify call seen within 10 s")
		}
	}
}

func TestTray(t *testing.T) {
	t.Parallel()
	d := DesktopFromEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), d.Env()...)
	cmd.Env = append(cmd.Env, trayChildEnv+"=1")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	defer func() {
		_ = cmd.Process.Kill()
		for range lines {
		}
		_ = cmd.Wait()
	}()
	expectLine := func(want string) {
		t.Helper()
		select {
		case got := <-lines:
			if got != want {
				t.Errorf("tray child said %q, want %q", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("tray child did not say %q", want)
		}
	}

	if err := WaitTray(ctx, d.BusAddress, pid); err != nil {
		t.Fatal(err)
	}
	// The name is owned before the menu and properties are exported: retry until they are.
	var items []MenuItem
	if err := pollUntil(ctx, func() error {
		items, err = TrayMenu(d.BusAddress, pid)
		if err == nil && len(items) < 4 {
			err = fmt.Errorf("menu has %d items", len(items))
		}
		return err
	}); err != nil {
		t.Fatalf("TrayMenu: %v", err)
	}
	var got []string
	for _, it := range items {
		got = append(got, fmt.Sprintf("%q enabled=%v", it.Label, it.Enabled))
	}
	want := []string{`"Check now" enabled=true`, `"Paused account" enabled=false`, `"" enabled=true`, `"Quit" enabled=true`}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("TrayMenu = %s, want %s", strings.Join(got, "; "), strings.Join(want, "; "))
	}

	var w, h int32
	var argb []byte
	if err := pollUntil(ctx, func() error {
		w, h, argb, err = TrayIcon(d.BusAddress, pid)
		return err
	}); err != nil {
		t.Fatalf("TrayIcon: %v", err)
	}
	if w != 16 || h != 16 || len(argb) != 16*16*4 || !bytes.Equal(argb[:4], []byte{0xff, 0xff, 0, 0}) {
		t.Errorf("TrayIcon = %dx%d, %d bytes, first pixel % x; want 16x16, 1024 bytes, ff ff 00 00", w, h, len(argb), argb[:min(4, len(argb))])
	}

	if err := ClickMenu(d.BusAddress, pid, "Check"); err != nil {
		t.Fatal(err)
	}
	expectLine("clicked Check now")
	if err := ClickMenu(d.BusAddress, pid, "No such item"); err == nil {
		t.Error("ClickMenu(No such item) succeeded")
	}
	if err := ClickMenu(d.BusAddress, pid, "Quit"); err != nil {
		t.Fatal(err)
	}
	expectLine("clicked Quit")
	// The click was answered: now the child may quit, and must, with status 0.
	in.Close()
	for range lines {
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("tray child after Quit: %v, want exit status 0", err)
	}
}
