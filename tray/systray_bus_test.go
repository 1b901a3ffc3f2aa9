//go:build linux

package tray

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"idlebell/internal/testsession"

	"github.com/godbus/dbus/v5"
)

const tooltipChildEnv = "IDLEBELL_TRAY_TOOLTIP_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(tooltipChildEnv) == "1" {
		tooltipChild()
		return
	}
	os.Exit(m.Run())
}

// tooltipChild puts a systrayHost on the session bus with the tooltip
// "first", prints "ready", then sets each line of stdin as the tooltip and
// prints "set"; it ends when stdin is closed. fyne.io/systray is
// process-global, so it runs in a process of its own.
func tooltipChild() {
	h := &systrayHost{do: func(f func()) { f() }}
	done := make(chan struct{})
	runNative(func() {
		h.SetTooltip("first")
		h.start()
		fmt.Println("ready")
		go func() { // ends when the test closes stdin
			defer close(done)
			in := bufio.NewScanner(os.Stdin)
			for in.Scan() {
				h.SetTooltip(in.Text())
				fmt.Println("set")
			}
		}()
	}, done)
}

// TestTooltipChangeSignalled checks that a new tooltip is announced with
// the StatusNotifierItem NewToolTip signal, sent by the item's own
// connection: hosts read the ToolTip property again only then.
func TestTooltipChangeSignalled(t *testing.T) {
	d := testsession.DesktopFromEnv(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(append(os.Environ(), d.Env()...), tooltipChildEnv+"=1")
	cmd.Stderr = testWriter{t}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("tray child: %v", err)
		}
	})
	lines := make(chan string)
	go func() { // ends when the child closes stdout
		defer close(lines)
		out := bufio.NewScanner(stdout)
		for out.Scan() {
			lines <- out.Text()
		}
	}()
	next := func(want string) {
		t.Helper()
		if got := <-lines; got != want {
			t.Fatalf("tray child said %q, want %q", got, want)
		}
	}
	next("ready")

	conn, err := dbus.Connect(d.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var owner string
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, testsession.SNIName(cmd.Process.Pid)).Store(&owner); err != nil {
		t.Fatalf("GetNameOwner(%s): %v", testsession.SNIName(cmd.Process.Pid), err)
	}
	if err := conn.AddMatchSignal(dbus.WithMatchInterface("org.kde.StatusNotifierItem"), dbus.WithMatchMember("NewToolTip")); err != nil {
		t.Fatal(err)
	}
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tip := range []string{"idlebell: 5 unread · all accounts connected", "idlebell: no unread mail · all accounts connected"} {
		fmt.Fprintln(stdin, tip)
		next("set")
		var s *dbus.Signal
		for s == nil || s.Name != "org.kde.StatusNotifierItem.NewToolTip" { // the bus's own NameAcquired may come first
			select {
			case s = <-signals:
			case <-ctx.Done():
				t.Fatalf("SetTooltip(%q): no NewToolTip signal", tip)
			}
		}
		if s.Sender != owner || s.Path != "/StatusNotifierItem" {
			t.Errorf("NewToolTip from %s at %s, want from %s (the item's owner) at /StatusNotifierItem", s.Sender, s.Path, owner)
		}
		if got, err := testsession.TrayTooltip(d.BusAddress, cmd.Process.Pid); err != nil || got != tip {
			t.Errorf("ToolTip after the signal = %q, %v, want %q", got, err, tip)
		}
	}
}
