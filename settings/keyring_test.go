package settings

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// These tests use the real go-keyring provider, so they run in child
// processes that never call keyring.MockInit (and get their own godbus
// session bus connection).

// TestKeyringReal stores, reads, renames and deletes an entry in the real
// keyring of make test's private session (gnome-keyring, unlocked).
func TestKeyringReal(t *testing.T) {
	if !servicesRequired() {
		t.Skip("needs the make test session's gnome-keyring (IDLEBELL_TEST_SERVICES=1)")
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("IDLEBELL_TEST_SERVICES=1 but DBUS_SESSION_BUS_ADDRESS is not set")
	}
	out, err := runChildMode(t, "keyring-real")
	if err != nil || !strings.Contains(out, "PASS") {
		t.Fatalf("real keyring round trip failed (%v):\n%s", err, out)
	}
}

func childKeyringReal() error {
	ctx := context.Background()
	k := Keyring()
	suffix := strconv.Itoa(os.Getpid())
	a, b := "idlebell test "+suffix, "idlebell test renamed "+suffix
	const pw = "real-keyring-pw-Ünïcode"
	if err := k.Set(a, pw); err != nil {
		return fmt.Errorf("Set(%q): %w", a, err)
	}
	if got, err := k.Get(ctx, a); err != nil || got != pw {
		return fmt.Errorf("Get(%q) = %q, %v, want %q", a, got, err, pw)
	}
	if err := k.Rename(a, b); err != nil {
		return fmt.Errorf("Rename: %w", err)
	}
	if got, err := k.Get(ctx, b); err != nil || got != pw {
		return fmt.Errorf("Get(%q) after rename = %q, %v", b, got, err)
	}
	if _, err := k.Get(ctx, a); !errors.Is(err, ErrSecretNotFound) {
		return fmt.Errorf("Get(%q) after rename = %v, want ErrSecretNotFound", a, err)
	}
	if err := k.Delete(b); err != nil {
		return fmt.Errorf("Delete: %w", err)
	}
	if _, err := k.Get(ctx, b); !errors.Is(err, ErrSecretNotFound) {
		return fmt.Errorf("Get(%q) after delete = %v, want ErrSecretNotFound", b, err)
	}
	return nil
}

// TestKeyringMissing: a session bus without org.freedesktop.secrets gives
// the clear message, not D-Bus jargon.
func TestKeyringMissing(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Secret Service is for Linux")
	}
	addr := startPrivateBus(t)
	out, err := runChildMode(t, "keyring-missing", "DBUS_SESSION_BUS_ADDRESS="+addr)
	if err != nil || !strings.Contains(out, "PASS") {
		t.Fatalf("keyring-missing child failed (%v):\n%s", err, out)
	}
	want := `password for account "Work": no Secret Service on the session bus: install and start gnome-keyring or KWallet, or set password_command`
	if !strings.Contains(out, want) {
		t.Errorf("child output = %q, want the message %q", out, want)
	}
}

// TestKeyringBusGone: a session bus that is gone reads as "no Secret
// Service" too.
func TestKeyringBusGone(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Secret Service is for Linux")
	}
	out, err := runChildMode(t, "keyring-missing", "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "gone"))
	if err != nil || !strings.Contains(out, "PASS") {
		t.Errorf("keyring-missing child failed (%v):\n%s", err, out)
	}
}

func childKeyringMissing() error {
	_, err := Keyring().Get(context.Background(), "Work")
	fmt.Println(err)
	if !errors.Is(err, ErrNoSecretService) {
		return fmt.Errorf("Get() = %v, want ErrNoSecretService", err)
	}
	if err := Keyring().Set("Work", "x"); !errors.Is(err, ErrNoSecretService) {
		return fmt.Errorf("Set() = %v, want ErrNoSecretService", err)
	}
	return nil
}

// startPrivateBus runs a dbus-daemon without service activation in a temp
// dir and returns its address; it is stopped when the test ends.
func startPrivateBus(t *testing.T) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	needServices(t, "dbus-daemon is not installed", err)
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	os.WriteFile(conf, []byte(`<busconfig><type>session</type><listen>unix:path=`+filepath.Join(dir, "bus")+`</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`), 0o600)
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		needServices(t, "cannot start dbus-daemon", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not print its address within 10s")
	}
	return ""
}

// TestKeyringLocked runs its own gnome-keyring on its own bus (locking the
// make-test session's keyring would upset parallel packages), stores an
// entry, locks the collection and checks the clear message.
func TestKeyringLocked(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Secret Service is for Linux")
	}
	gk, err := exec.LookPath("gnome-keyring-daemon")
	needServices(t, "gnome-keyring-daemon is not installed", err)
	addr := startPrivateBus(t)
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".local", "share", "keyrings"), 0o700)
	cmd := exec.Command(gk, "--foreground", "--unlock", "--components=secrets")
	cmd.Env = append(os.Environ(), "HOME="+home, "DBUS_SESSION_BUS_ADDRESS="+addr, "XDG_RUNTIME_DIR="+home)
	cmd.Stdin = strings.NewReader("login-password")
	if err := cmd.Start(); err != nil {
		needServices(t, "cannot start gnome-keyring-daemon", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	out, err := runChildMode(t, "keyring-locked", "DBUS_SESSION_BUS_ADDRESS="+addr)
	if err != nil || !strings.Contains(out, "PASS") {
		t.Fatalf("keyring-locked child failed (%v):\n%s", err, out)
	}
	want := `password for account "Work": the keyring is locked: unlock it (log in to the desktop session, or open Passwords and Keys / Seahorse), or set password_command`
	if !strings.Contains(out, want) {
		t.Errorf("child output = %q, want the message %q", out, want)
	}
}

func childKeyringLocked() error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return err
	}
	// Wait for the keyring to own its name (no fixed sleep: poll with a deadline).
	deadline := time.Now().Add(10 * time.Second)
	for {
		var has bool
		if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&has); err != nil {
			return err
		}
		if has {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("org.freedesktop.secrets did not appear within 10s")
		}
		<-time.After(20 * time.Millisecond)
	}
	if err := Keyring().Set("Work", "pw"); err != nil {
		return fmt.Errorf("Set on the unlocked keyring: %w", err)
	}
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err = conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
		Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{"/org/freedesktop/secrets/collection/login"}).
		Store(&locked, &prompt)
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	_, err = Keyring().Get(context.Background(), "Work")
	fmt.Println(err)
	if !errors.Is(err, ErrKeyringLocked) {
		return fmt.Errorf("Get() on a locked keyring = %v, want ErrKeyringLocked", err)
	}
	return nil
}
