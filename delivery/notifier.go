package delivery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/gen2brain/beeep"
	"github.com/godbus/dbus/v5"

	"idlebell/assets"
)

// Action keys of a bubble. "default" is the notification spec's name for a
// click on the bubble itself.
const (
	ActionOpen     = "default"
	ActionMarkRead = "mark-read"
)

// Action is one button of a bubble.
type Action struct{ Key, Label string }

// Notification is one bubble as a Notifier sends it. Title and Body are
// plain text; the notifier escapes them for daemons that read markup.
type Notification struct {
	ReplacesID uint32
	Title      string
	Body       string
	Actions    []Action
	// Category is the spec's category hint ("email.arrived"); Sound the
	// sound-name hint from the sound naming spec ("message-new-email").
	// Empty: the hint is left out.
	Category string
	Sound    string
}

// Notifier shows and withdraws bubbles. Notify and Withdraw block for one
// round trip to the notification daemon, at most until ctx is done; the
// delivery Pump calls them from its bubble goroutine only. Notify returns
// the id a later ReplacesID or Withdraw names (0 when the backend has no
// ids). Close releases the connection; nothing may be called after it.
type Notifier interface {
	Notify(ctx context.Context, n Notification) (uint32, error)
	Withdraw(ctx context.Context, id uint32) error
	Close() error
}

// Signals is where a Notifier reports what the user did with a bubble.
// Both are called on the notifier's own goroutine and must not block.
type Signals struct {
	// Action: a click on the bubble (key ActionOpen) or on a button.
	Action func(id uint32, key string)
	// Closed: the bubble went away; reason as in the spec (1 expired,
	// 2 dismissed by the user, 3 closed by CloseNotification, 4 other).
	Closed func(id uint32, reason uint32)
}

// NewNotifier picks the backend: the D-Bus notification service with
// actions where there is one (Linux, BSD), beeep without actions and ids
// elsewhere or when the session bus has no notification service.
func NewNotifier(ctx context.Context, s Signals) (Notifier, error) {
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		n, err := NewDBusNotifier(ctx, s)
		if err == nil {
			return n, nil
		}
		return BeeepNotifier{}, fmt.Errorf("desktop notifications without buttons: %w", err)
	}
	return BeeepNotifier{}, nil
}

// NotifyOnce shows one bubble over a notifier of its own and closes it,
// within DefaultNotifyTimeout: for a process with no tray, and perhaps no
// terminal, to say why it ends.
func NotifyOnce(ctx context.Context, n Notification) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultNotifyTimeout)
	defer cancel()
	nt, _ := NewNotifier(ctx, Signals{}) // without D-Bus: beeep
	defer nt.Close()
	_, err := nt.Notify(ctx, n)
	return err
}

const (
	notifyName  = "org.freedesktop.Notifications"
	notifyPath  = "/org/freedesktop/Notifications"
	notifyIface = "org.freedesktop.Notifications"
)

// DBusNotifier talks org.freedesktop.Notifications (the Desktop
// Notifications Specification 1.2) on a private session bus connection,
// every call bounded by its context, and delivers ActionInvoked and
// NotificationClosed to Signals.
type DBusNotifier struct {
	conn    *dbus.Conn
	obj     dbus.BusObject
	markup  bool
	actions bool
	icon    string // file URI of the bell, or ""
	done    chan struct{}
}

// NewDBusNotifier connects to the session bus and asks the daemon for its
// capabilities (bounded by ctx). Its signal goroutine ends with Close.
func NewDBusNotifier(ctx context.Context, s Signals) (*DBusNotifier, error) {
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		return nil, fmt.Errorf("connect to the session bus: %w", err)
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session bus: %w", err)
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session bus: %w", err)
	}
	d := &DBusNotifier{conn: conn, obj: conn.Object(notifyName, notifyPath), done: make(chan struct{})}
	var caps []string
	if err := d.obj.CallWithContext(ctx, notifyIface+".GetCapabilities", 0).Store(&caps); err != nil {
		conn.Close()
		return nil, fmt.Errorf("ask the notification service for its capabilities: %w", err)
	}
	d.markup = slices.Contains(caps, "body-markup")
	d.actions = slices.Contains(caps, "actions")
	if path, err := iconFile(); err == nil {
		d.icon = "file://" + path
	}
	for _, member := range []string{"ActionInvoked", "NotificationClosed"} {
		if err := conn.AddMatchSignalContext(ctx, dbus.WithMatchObjectPath(notifyPath), dbus.WithMatchInterface(notifyIface), dbus.WithMatchMember(member)); err != nil {
			conn.Close()
			return nil, fmt.Errorf("listen to the notification service: %w", err)
		}
	}
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	// Owned by d: ends when Close closes the connection, which closes ch.
	go func() {
		defer close(d.done)
		for sig := range ch {
			switch sig.Name {
			case notifyIface + ".ActionInvoked":
				var id uint32
				var key string
				if dbus.Store(sig.Body, &id, &key) == nil && s.Action != nil {
					s.Action(id, key)
				}
			case notifyIface + ".NotificationClosed":
				var id, reason uint32
				if dbus.Store(sig.Body, &id, &reason) == nil && s.Closed != nil {
					s.Closed(id, reason)
				}
			}
		}
	}()
	return d, nil
}

// Notify sends one Notify call.
func (d *DBusNotifier) Notify(ctx context.Context, n Notification) (uint32, error) {
	title, body := n.Title, n.Body
	if d.markup {
		body = EscapeMarkup(body)
	}
	var actions []string
	if d.actions {
		for _, a := range n.Actions {
			actions = append(actions, a.Key, a.Label)
		}
	}
	if actions == nil {
		actions = []string{}
	}
	hints := map[string]dbus.Variant{"desktop-entry": dbus.MakeVariant("io.github.idlebell")}
	if n.Category != "" {
		hints["category"] = dbus.MakeVariant(n.Category)
	}
	if n.Sound != "" {
		hints["sound-name"] = dbus.MakeVariant(n.Sound)
	}
	var id uint32
	err := d.obj.CallWithContext(ctx, notifyIface+".Notify", 0,
		"idlebell", n.ReplacesID, d.icon, title, body, actions, hints, int32(-1)).Store(&id)
	if err != nil {
		return 0, fmt.Errorf("notification service: %w", err)
	}
	return id, nil
}

// Withdraw closes a bubble (CloseNotification); the daemon then says
// NotificationClosed with reason 3.
func (d *DBusNotifier) Withdraw(ctx context.Context, id uint32) error {
	if err := d.obj.CallWithContext(ctx, notifyIface+".CloseNotification", 0, id).Err; err != nil {
		return fmt.Errorf("notification service: %w", err)
	}
	return nil
}

// Close ends the connection and waits for the signal goroutine.
func (d *DBusNotifier) Close() error {
	err := d.conn.Close()
	<-d.done
	return err
}

// iconFile writes the bell to the user cache dir once, for daemons that
// take app_icon as a file URI.
var iconFile = sync.OnceValues(func() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir = filepath.Join(dir, "idlebell")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "idlebell.png")
	if b, err := os.ReadFile(path); err == nil && string(b) == string(assets.Bell) {
		return path, nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, assets.Bell, 0o600); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	return path, nil
})

// BeeepNotifier is the fallback: Windows toasts, macOS notifications,
// notify-send. No buttons, no ids, nothing to withdraw.
type BeeepNotifier struct{}

// Notify shows the bubble; beeep takes no context, and its backends here
// (Windows and macOS APIs, a short notify-send) return promptly.
func (BeeepNotifier) Notify(_ context.Context, n Notification) (uint32, error) {
	setAppName()
	body := n.Body
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
		body = EscapeMarkup(body) // notify-send goes to a daemon that may read markup
	}
	if err := beeep.Notify(n.Title, body, beeepIcon(iconFile)); err != nil {
		return 0, errors.Join(errors.New("show notification"), err)
	}
	return 0, nil
}

// beeepIcon is the bell for beeep: the file in the cache dir that file
// writes once, or the PNG bytes when it cannot (beeep then writes a
// temporary copy per bubble). A toast in Windows' Action Center keeps
// pointing at its icon file after it was shown, which the temporary copy
// does not outlive.
func beeepIcon(file func() (string, error)) any {
	if path, err := file(); err == nil {
		return path
	}
	return assets.Bell
}

var setAppName = sync.OnceFunc(func() { beeep.AppName = "idlebell" })

// Withdraw does nothing: the fallback has no ids.
func (BeeepNotifier) Withdraw(context.Context, uint32) error { return nil }

// Close does nothing.
func (BeeepNotifier) Close() error { return nil }
