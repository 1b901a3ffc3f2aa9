package ui

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/esiqveland/notify"
	"github.com/gen2brain/beeep"
	"github.com/godbus/dbus/v5"

	"idlebell/assets"
)

// Action keys of a bubble. "default" is the spec's name for a click on the
// bubble itself.
const (
	ActionOpen     = "default"
	ActionMarkRead = "mark-read"
)

// Action is one button of a bubble.
type Action struct{ Key, Label string }

// Notification is one bubble as the notifier sends it. Title and Body are
// plain text; the notifier escapes them for daemons that read markup.
type Notification struct {
	ReplacesID uint32
	Title      string
	Body       string
	Actions    []Action
}

// Notifier shows bubbles. Notify blocks for one round trip to the
// notification daemon; the UI pump calls it, never the Fyne goroutine. The
// returned id is what a later ReplacesID names (0 when the backend has no
// ids). Close releases the connection; Notify must not be called after it.
type Notifier interface {
	Notify(n Notification) (uint32, error)
	Close() error
}

// ActionFunc receives a click on a bubble (key ActionOpen) or on one of its
// buttons. It is called on the notifier's own goroutine and must not block.
type ActionFunc func(id uint32, key string)

// newNotifier picks the backend: the D-Bus notification service with
// actions where there is one (Linux, BSD), beeep without actions elsewhere
// or when the session bus has no notification service.
func newNotifier(onAction ActionFunc, onClosed func(id uint32), logger *slog.Logger) Notifier {
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		n, err := newDBusNotifier(onAction, onClosed)
		if err == nil {
			return n
		}
		logger.Warn("desktop notifications without actions: no D-Bus notification service", "err", err)
	}
	return newBeeepNotifier()
}

// dbusNotifier talks org.freedesktop.Notifications on a private session bus
// connection through esiqveland/notify, which delivers ActionInvoked and
// NotificationClosed signals.
type dbusNotifier struct {
	conn    *dbus.Conn
	n       notify.Notifier
	markup  bool
	actions bool
	icon    string // file URI of the bell, or ""
	hints   map[string]dbus.Variant
}

func newDBusNotifier(onAction ActionFunc, onClosed func(uint32)) (*dbusNotifier, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("connect to the session bus: %w", err)
	}
	caps, err := notify.GetCapabilities(conn)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("ask the notification service for its capabilities: %w", err)
	}
	n, err := notify.New(conn,
		notify.WithOnAction(func(s *notify.ActionInvokedSignal) { onAction(s.ID, s.ActionKey) }),
		notify.WithOnClosed(func(s *notify.NotificationClosedSignal) { onClosed(s.ID) }),
		notify.WithLogger(discardLogger{}),
	)
	if err != nil {
		conn.Close()
		return nil, err
	}
	d := &dbusNotifier{
		conn: conn, n: n,
		markup:  slices.Contains(caps, "body-markup"),
		actions: slices.Contains(caps, "actions"),
		hints:   map[string]dbus.Variant{"category": dbus.MakeVariant("email.arrived")},
	}
	if path, err := iconFile(); err == nil {
		d.icon = "file://" + path
	}
	return d, nil
}

func (d *dbusNotifier) Notify(n Notification) (uint32, error) {
	body := n.Body
	if d.markup {
		body = escapeMarkup(body)
	}
	note := notify.Notification{
		AppName:       "idlebell",
		ReplacesID:    n.ReplacesID,
		AppIcon:       d.icon,
		Summary:       n.Title,
		Body:          body,
		Hints:         d.hints,
		ExpireTimeout: notify.ExpireTimeoutSetByNotificationServer,
	}
	if d.actions {
		for _, a := range n.Actions {
			note.Actions = append(note.Actions, notify.Action{Key: a.Key, Label: a.Label})
		}
	}
	return d.n.SendNotification(note)
}

func (d *dbusNotifier) Close() error {
	return errors.Join(d.n.Close(), d.conn.Close())
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

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

// beeepNotifier is the fallback: Windows toasts, macOS notifications,
// notify-send. No actions, no replacement in place.
type beeepNotifier struct{}

func newBeeepNotifier() beeepNotifier {
	beeep.AppName = "idlebell"
	return beeepNotifier{}
}

func (beeepNotifier) Notify(n Notification) (uint32, error) {
	body := n.Body
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
		body = escapeMarkup(body) // notify-send goes to a daemon that may read markup
	}
	if err := beeep.Notify(n.Title, body, assets.Bell); err != nil {
		return 0, errors.Join(errors.New("show notification"), err)
	}
	return 0, nil
}

func (beeepNotifier) Close() error { return nil }
