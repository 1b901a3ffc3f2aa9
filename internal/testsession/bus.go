package testsession

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
)

// Notification is the body of one org.freedesktop.Notifications.Notify call.
type Notification struct {
	AppName    string
	ReplacesID uint32
	Icon       string
	Summary    string
	Body       string
	Actions    []string // key, label, key, label, …
	Hints      map[string]dbus.Variant
	Timeout    int32
}

// WatchNotify becomes a monitor on the bus at busAddr and sends every Notify call made by
// anyone to the returned channel, until ctx is done; then the channel is closed. The monitor
// is in place when WatchNotify returns, so a notification sent afterwards is seen.
// Read the channel promptly: it buffers 64 calls, then the monitor stalls.
func WatchNotify(ctx context.Context, busAddr string) (<-chan Notification, error) {
	return monitor(ctx, busAddr, "type='method_call',interface='org.freedesktop.Notifications',member='Notify'", parseNotify)
}

// monitor becomes a monitor on the bus at busAddr for the messages rule
// matches and sends each that parse accepts to the returned channel (64
// buffered, then the monitor stalls) until ctx is done; then the channel is
// closed. The monitor is in place when monitor returns.
func monitor[T any](ctx context.Context, busAddr, rule string, parse func(*dbus.Message) (T, bool)) (<-chan T, error) {
	conn, err := dbus.Connect(busAddr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", busAddr, err)
	}
	// Eavesdrop hands every incoming message to msgs, BecomeMonitor's reply included, so the
	// reply is read from there: it is the first method return or error on this connection.
	msgs := make(chan *dbus.Message, 64)
	conn.Eavesdrop(msgs)
	conn.BusObject().Go("org.freedesktop.DBus.Monitoring.BecomeMonitor", 0, make(chan *dbus.Call, 1), []string{rule}, uint32(0))
	for monitoring := false; !monitoring; {
		select {
		case m := <-msgs:
			switch m.Type {
			case dbus.TypeMethodReply:
				monitoring = true
			case dbus.TypeError:
				conn.Close()
				return nil, fmt.Errorf("become bus monitor: %v", m.Body)
			}
		case <-ctx.Done():
			conn.Close()
			return nil, fmt.Errorf("become bus monitor: %w", ctx.Err())
		}
	}
	out := make(chan T, 64)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	go func() { // ends with ctx or the connection
		defer close(out)
		defer stop()
		defer conn.Close()
		for {
			var m *dbus.Message
			select {
			case m = <-msgs:
			case <-ctx.Done():
				return
			}
			if m == nil {
				return
			}
			v, ok := parse(m)
			if !ok {
				continue
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func parseNotify(m *dbus.Message) (Notification, bool) {
	if m.Type != dbus.TypeMethodCall {
		return Notification{}, false
	}
	if member, _ := m.Headers[dbus.FieldMember].Value().(string); member != "Notify" {
		return Notification{}, false
	}
	var n Notification
	if err := dbus.Store(m.Body, &n.AppName, &n.ReplacesID, &n.Icon, &n.Summary, &n.Body, &n.Actions, &n.Hints, &n.Timeout); err != nil {
		return Notification{}, false
	}
	return n, true
}

// MenuItem is one entry of a tray menu (com.canonical.dbusmenu layout).
type MenuItem struct {
	ID       int32
	Label    string
	Enabled  bool
	Children []MenuItem
}

// SNIName is the bus name fyne's systray owns for the process pid.
func SNIName(pid int) string { return fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid) }

// TrayMenu reads the whole tray menu of the process pid. The root item's children are the
// visible entries; separators have an empty label.
func TrayMenu(busAddr string, pid int) ([]MenuItem, error) {
	conn, err := dbus.Connect(busAddr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", busAddr, err)
	}
	defer conn.Close()
	root, err := trayLayout(conn, pid)
	if err != nil {
		return nil, err
	}
	return root.Children, nil
}

func trayLayout(conn *dbus.Conn, pid int) (MenuItem, error) {
	var revision uint32
	var layout []any
	obj := conn.Object(SNIName(pid), "/StatusNotifierMenu")
	if err := obj.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&revision, &layout); err != nil {
		return MenuItem{}, fmt.Errorf("GetLayout on %s: %w", SNIName(pid), err)
	}
	return parseMenuItem(layout)
}

// parseMenuItem decodes a (ia{sv}av) layout node.
func parseMenuItem(node []any) (MenuItem, error) {
	if len(node) != 3 {
		return MenuItem{}, fmt.Errorf("menu layout node has %d fields, want 3", len(node))
	}
	id, ok1 := node[0].(int32)
	props, ok2 := node[1].(map[string]dbus.Variant)
	children, ok3 := node[2].([]dbus.Variant)
	if !ok1 || !ok2 || !ok3 {
		return MenuItem{}, fmt.Errorf("menu layout node has types %T %T %T, want int32, a{sv}, av", node[0], node[1], node[2])
	}
	it := MenuItem{ID: id, Enabled: true}
	if v, ok := props["label"]; ok {
		it.Label, _ = v.Value().(string)
	}
	if v, ok := props["enabled"]; ok {
		it.Enabled, _ = v.Value().(bool)
	}
	if v, ok := props["visible"]; ok {
		if visible, _ := v.Value().(bool); !visible {
			return MenuItem{}, errHidden
		}
	}
	for _, c := range children {
		child, _ := c.Value().([]any)
		ci, err := parseMenuItem(child)
		if errors.Is(err, errHidden) {
			continue
		}
		if err != nil {
			return MenuItem{}, err
		}
		it.Children = append(it.Children, ci)
	}
	return it, nil
}

var errHidden = errors.New("hidden menu item")

// FindMenuItem returns the first item, depth first, whose label starts with label.
func FindMenuItem(items []MenuItem, label string) (MenuItem, bool) {
	for _, it := range items {
		if it.Label != "" && strings.HasPrefix(it.Label, label) {
			return it, true
		}
		if c, ok := FindMenuItem(it.Children, label); ok {
			return c, true
		}
	}
	return MenuItem{}, false
}

// ClickMenu clicks the tray menu item of process pid whose label starts with label. Item ids
// change when the app rebuilds its menu, so the menu is read afresh each time.
func ClickMenu(busAddr string, pid int, label string) error {
	conn, err := dbus.Connect(busAddr)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", busAddr, err)
	}
	defer conn.Close()
	root, err := trayLayout(conn, pid)
	if err != nil {
		return err
	}
	it, ok := FindMenuItem(root.Children, label)
	if !ok {
		return fmt.Errorf("no tray menu item labelled %q in %s", label, menuLabels(root.Children))
	}
	obj := conn.Object(SNIName(pid), "/StatusNotifierMenu")
	if err := obj.Call("com.canonical.dbusmenu.Event", 0, it.ID, "clicked", dbus.MakeVariant(int32(0)), uint32(0)).Err; err != nil {
		return fmt.Errorf("click %q: %w", it.Label, err)
	}
	return nil
}

func menuLabels(items []MenuItem) string {
	var labels []string
	var walk func([]MenuItem)
	walk = func(items []MenuItem) {
		for _, it := range items {
			if it.Label != "" {
				labels = append(labels, fmt.Sprintf("%q", it.Label))
			}
			walk(it.Children)
		}
	}
	walk(items)
	return "[" + strings.Join(labels, " ") + "]"
}

// TrayIcon returns the largest image of the IconPixmap property of process pid's tray item:
// ARGB32, network byte order, width*height*4 bytes.
func TrayIcon(busAddr string, pid int) (width, height int32, argb []byte, err error) {
	conn, err := dbus.Connect(busAddr)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("connect to %s: %w", busAddr, err)
	}
	defer conn.Close()
	v, err := conn.Object(SNIName(pid), "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.IconPixmap")
	if err != nil {
		return 0, 0, nil, fmt.Errorf("read IconPixmap of %s: %w", SNIName(pid), err)
	}
	var pixmaps []struct {
		W, H int32
		Data []byte
	}
	if err := dbus.Store([]any{v.Value()}, &pixmaps); err != nil {
		return 0, 0, nil, fmt.Errorf("decode IconPixmap (%s): %w", v.Signature(), err)
	}
	if len(pixmaps) == 0 {
		return 0, 0, nil, fmt.Errorf("%s has no IconPixmap", SNIName(pid))
	}
	best := pixmaps[0]
	for _, p := range pixmaps[1:] {
		if p.W*p.H > best.W*best.H {
			best = p
		}
	}
	return best.W, best.H, best.Data, nil
}

// WaitTray waits until process pid owns its StatusNotifierItem name, or ctx is done.
func WaitTray(ctx context.Context, busAddr string, pid int) error {
	conn, err := dbus.Connect(busAddr)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", busAddr, err)
	}
	defer conn.Close()
	if err := pollUntil(ctx, func() error { return hasOwner(conn, SNIName(pid)) }); err != nil {
		return fmt.Errorf("wait for tray of pid %d: %w", pid, err)
	}
	return nil
}

// TrayMenuRevision is the layout revision GetLayout reports for process pid's tray menu: it
// goes up each time the app changes the menu.
func TrayMenuRevision(busAddr string, pid int) (uint32, error) {
	conn, err := dbus.Connect(busAddr)
	if err != nil {
		return 0, fmt.Errorf("connect to %s: %w", busAddr, err)
	}
	defer conn.Close()
	var revision uint32
	var layout []any
	obj := conn.Object(SNIName(pid), "/StatusNotifierMenu")
	if err := obj.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&revision, &layout); err != nil {
		return 0, fmt.Errorf("GetLayout on %s: %w", SNIName(pid), err)
	}
	return revision, nil
}

// TrayTooltip is the title of process pid's tray item's ToolTip property.
func TrayTooltip(busAddr string, pid int) (string, error) {
	conn, err := dbus.Connect(busAddr)
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", busAddr, err)
	}
	defer conn.Close()
	v, err := conn.Object(SNIName(pid), "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.ToolTip")
	if err != nil {
		return "", fmt.Errorf("read ToolTip of %s: %w", SNIName(pid), err)
	}
	var tip struct {
		Icon   string
		Pixmap []struct {
			W, H int32
			Data []byte
		}
		Title, Text string
	}
	if err := dbus.Store([]any{v.Value()}, &tip); err != nil {
		return "", fmt.Errorf("decode ToolTip (%s): %w", v.Signature(), err)
	}
	return tip.Title + tip.Text, nil
}

// Closed is one org.freedesktop.Notifications.NotificationClosed signal: the bubble's id and
// why it closed (1 expired, 2 dismissed, 3 CloseNotification, 4 other).
type Closed struct {
	ID, Reason uint32
}

// WatchClosed sends every NotificationClosed signal on the bus at busAddr to the returned
// channel until ctx is done; then the channel is closed. Daemons send the signal to the
// client that made the bubble only, so this is a bus monitor, as WatchNotify is; it is in
// place when WatchClosed returns.
func WatchClosed(ctx context.Context, busAddr string) (<-chan Closed, error) {
	return monitor(ctx, busAddr, "type='signal',interface='org.freedesktop.Notifications',member='NotificationClosed'", parseClosed)
}

func parseClosed(m *dbus.Message) (Closed, bool) {
	var c Closed
	if member, _ := m.Headers[dbus.FieldMember].Value().(string); m.Type != dbus.TypeSignal || member != "NotificationClosed" {
		return c, false
	}
	return c, dbus.Store(m.Body, &c.ID, &c.Reason) == nil
}
