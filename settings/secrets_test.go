package settings

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// mockKeyring switches go-keyring to its in-memory mock for this test. The
// mock replaces the provider for the whole process, so the real-keyring
// tests run in child processes.
func mockKeyring(t *testing.T) {
	t.Helper()
	keyring.MockInit()
	busCheck = func() error { return nil }
	t.Cleanup(func() { busCheck = sessionBusMissing })
}

func TestKeyringMock(t *testing.T) {
	mockKeyring(t)
	ctx := context.Background()
	k := Keyring()
	if err := k.Set("Work", "pw1"); err != nil {
		t.Fatalf("Set() = %v", err)
	}
	if pw, err := k.Get(ctx, "Work"); err != nil || pw != "pw1" {
		t.Errorf("Get(Work) = %q, %v, want pw1", pw, err)
	}
	if err := k.Rename("Work", "Job"); err != nil {
		t.Fatalf("Rename() = %v", err)
	}
	if pw, err := k.Get(ctx, "Job"); err != nil || pw != "pw1" {
		t.Errorf("Get(Job) after rename = %q, %v, want pw1", pw, err)
	}
	if _, err := k.Get(ctx, "Work"); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("Get(Work) after rename = %v, want ErrSecretNotFound", err)
	}
	if err := k.Rename("Nobody", "Other"); err != nil {
		t.Errorf("Rename(missing) = %v, want nil", err)
	}
	if err := k.Delete("Job"); err != nil {
		t.Errorf("Delete() = %v", err)
	}
	if err := k.Delete("Job"); err != nil {
		t.Errorf("Delete(missing) = %v, want nil", err)
	}
	if _, err := k.Get(ctx, "Job"); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("Get(Job) after delete = %v, want ErrSecretNotFound", err)
	}
}

func TestKeyringNotFoundMessage(t *testing.T) {
	mockKeyring(t)
	for name, want := range map[string]string{
		"Work":    "no password stored for account Work: set it in Settings or with: secret-tool store --label='idlebell Work' service idlebell username Work",
		"My Mail": "no password stored for account My Mail: set it in Settings or with: secret-tool store --label='idlebell My Mail' service idlebell username 'My Mail'",
	} {
		_, err := Keyring().Get(context.Background(), name)
		if err == nil || err.Error() != want {
			t.Errorf("Get(%q) = %v, want %q", name, err, want)
		}
	}
}

func TestKeyringErrorMapping(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		want    error
		message string
	}{
		{"no secret service", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}},
			ErrNoSecretService, `password for account "Work": no Secret Service on the session bus: install and start gnome-keyring or KWallet, or set password_command`},
		{"is locked error", dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked"},
			ErrKeyringLocked, ""},
		{"bus gone", &net.OpError{Op: "dial", Net: "unix", Err: syscall.ECONNREFUSED},
			ErrNoSecretService, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keyring.MockInitWithError(tc.err)
			busCheck = func() error { return nil }
			t.Cleanup(func() { busCheck = sessionBusMissing })
			_, err := Keyring().Get(context.Background(), "Work")
			if !errors.Is(err, tc.want) {
				t.Fatalf("Get() = %v, want %v", err, tc.want)
			}
			if tc.message != "" && err.Error() != tc.message {
				t.Errorf("Get() = %q, want %q", err.Error(), tc.message)
			}
			if err := Keyring().Set("Work", "x"); !errors.Is(err, tc.want) {
				t.Errorf("Set() = %v, want %v", err, tc.want)
			}
			if err := Keyring().Delete("Work"); !errors.Is(err, tc.want) {
				t.Errorf("Delete() = %v, want %v", err, tc.want)
			}
			if err := Keyring().Rename("Work", "Job"); !errors.Is(err, tc.want) {
				t.Errorf("Rename() = %v, want %v", err, tc.want)
			}
		})
	}
	keyring.MockInitWithError(errors.New("some other dbus trouble"))
	busCheck = func() error { return nil }
	defer func() { busCheck = sessionBusMissing }()
	_, err := Keyring().Get(context.Background(), "Work")
	if err == nil || errors.Is(err, ErrNoSecretService) || errors.Is(err, ErrKeyringLocked) ||
		err.Error() != `read password for account "Work" in the keyring: some other dbus trouble` {
		t.Errorf("Get() with an unknown error = %v", err)
	}
}

func TestKeyringNoBus(t *testing.T) {
	keyring.MockInit()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	_, err := Keyring().Get(context.Background(), "Work")
	if !errors.Is(err, ErrNoSecretService) {
		t.Errorf("Get() without a session bus = %v, want ErrNoSecretService", err)
	}
}

// TestKeyringGetHonoursContext: a keyring call stuck in D-Bus (an unlock
// prompt nobody answers) does not hold the caller past ctx.
func TestKeyringGetHonoursContext(t *testing.T) {
	mockKeyring(t)
	release, finished := make(chan struct{}), make(chan struct{})
	keyringGet = func(service, user string) (string, error) {
		defer close(finished)
		<-release
		return "late", nil
	}
	t.Cleanup(func() {
		close(release)
		<-finished
		keyringGet = keyring.Get
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if pw, err := Keyring().Get(ctx, "Work"); !errors.Is(err, context.DeadlineExceeded) || pw != "" {
		t.Errorf("Get(stuck keyring) = %q, %v, want context.DeadlineExceeded", pw, err)
	}
}

func TestPasswordFor(t *testing.T) {
	mockKeyring(t)
	k := Keyring()
	k.Set("Work", "from-keyring")
	a := NewAccount("Work")
	if pw, err := PasswordFor(a, k)(context.Background()); err != nil || pw != "from-keyring" {
		t.Errorf("PasswordFor(keyring account)() = %q, %v, want from-keyring", pw, err)
	}
	a.PasswordCommand = "echo from-command"
	if pw, err := PasswordFor(a, k)(context.Background()); err != nil || pw != "from-command" {
		t.Errorf("PasswordFor(command account)() = %q, %v, want from-command", pw, err)
	}
	a.PasswordCommand = "false"
	_, err := PasswordFor(a, k)(context.Background())
	if !errors.Is(err, ErrPasswordCommand) || !strings.HasPrefix(err.Error(), `password for account "Work": password_command failed: false exited with status 1`) {
		t.Errorf("PasswordFor(failing command)() = %v", err)
	}
}
