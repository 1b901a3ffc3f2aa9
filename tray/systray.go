package tray

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strings"
	"sync/atomic"

	"fyne.io/systray"
)

// systrayHost shows the tray through fyne.io/systray. Its methods run on
// the tray goroutine. A menu of the same shape as the one shown is updated
// in place, and only the items whose label or state changed are touched:
// each touch is a LayoutUpdated signal, and trays redraw (and close an open
// submenu) on it.
type systrayHost struct {
	do    func(func())
	shown []*shownItem

	// Until the item is on the bus (start), what was set waits here:
	// fyne.io/systray's updates race with its own setup.
	started bool
	menu    []*item
	icon    []byte
	tip     *string

	tipChanged func() // from tooltipSignal, once started
}

// start shows what was set before the item was on the bus.
func (h *systrayHost) start() {
	h.started = true
	h.tipChanged = tooltipSignal()
	if h.icon != nil {
		h.SetIcon(h.icon)
	}
	if h.tip != nil {
		h.SetTooltip(*h.tip)
	}
	if h.menu != nil {
		h.SetMenu(h.menu)
	}
	h.menu, h.icon, h.tip = nil, nil, nil
}

// shownItem is one item on screen and what a click on it runs now.
type shownItem struct {
	sys      *systray.MenuItem // nil for a separator
	label    string
	disabled bool
	sep      bool
	action   atomic.Pointer[func()]
	children []*shownItem
}

func (h *systrayHost) SetIcon(png []byte) {
	if !h.started {
		h.icon = png
		return
	}
	systray.SetIcon(osIcon(png))
}

func (h *systrayHost) SetTooltip(tip string) {
	if !h.started {
		h.tip = &tip
		return
	}
	systray.SetTooltip(tip)
	h.tipChanged()
}

func (h *systrayHost) SetMenu(items []*item) {
	if !h.started {
		h.menu = items
		return
	}
	if sameShape(h.shown, items) {
		update(h.shown, items)
		return
	}
	systray.ResetMenu()
	h.shown = h.build(items, nil)
}

func sameShape(shown []*shownItem, items []*item) bool {
	if len(shown) != len(items) {
		return false
	}
	for i, it := range items {
		if shown[i].sep != it.Separator || !sameShape(shown[i].children, it.Children) {
			return false
		}
	}
	return true
}

func update(shown []*shownItem, items []*item) {
	for i, it := range items {
		s := shown[i]
		if s.sep {
			continue
		}
		s.setAction(it.Action)
		if s.label != it.Label {
			s.label = it.Label
			s.sys.SetTitle(menuLabel(runtime.GOOS, it.Label))
		}
		if s.disabled != it.Disabled {
			s.disabled = it.Disabled
			if it.Disabled {
				s.sys.Disable()
			} else {
				s.sys.Enable()
			}
		}
		update(s.children, it.Children)
	}
}

func (s *shownItem) setAction(f func()) {
	if f == nil {
		s.action.Store(nil)
	} else {
		s.action.Store(&f)
	}
}

func (h *systrayHost) build(items []*item, parent *systray.MenuItem) []*shownItem {
	var out []*shownItem
	for _, it := range items {
		s := &shownItem{label: it.Label, disabled: it.Disabled, sep: it.Separator}
		out = append(out, s)
		if it.Separator {
			if parent != nil {
				parent.AddSeparator()
			} else {
				systray.AddSeparator()
			}
			continue
		}
		if parent != nil {
			s.sys = parent.AddSubMenuItem(menuLabel(runtime.GOOS, it.Label), "")
		} else {
			s.sys = systray.AddMenuItem(menuLabel(runtime.GOOS, it.Label), "")
		}
		if it.Disabled {
			s.sys.Disable()
		}
		s.setAction(it.Action)
		s.children = h.build(it.Children, s.sys)
		clicks, do := s.sys.ClickedCh, h.do
		// Owned by the menu item: ends when ResetMenu removes the item
		// (which closes ClickedCh), or with the process.
		go func() {
			for range clicks {
				if f := s.action.Load(); f != nil {
					do(*f)
				}
			}
		}()
	}
	return out
}

// menuLabel is label written so that the menu of goos shows it as it is: dbusmenu (Linux and the BSDs) takes a lone "_" for an access key and
// shows "__" as "_"; Windows menus do the same with "&" and "&&"; macOS
// shows a title as it is. Labels hold account names and server names.
func menuLabel(goos, label string) string {
	switch goos {
	case "darwin", "ios":
		return label
	case "windows":
		return strings.ReplaceAll(label, "&", "&&")
	}
	return strings.ReplaceAll(label, "_", "__")
}

// osIcon is the icon in the form the platform's tray takes: PNG on Linux
// and macOS, an ICO (holding the PNG, as Windows Vista and later read it)
// on Windows.
func osIcon(png []byte) []byte {
	if runtime.GOOS != "windows" {
		return png
	}
	var b bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&b, le, [3]uint16{0, 1, 1}) // reserved, type icon, one image
	// 64×64 (0 would mean 256), no palette, 1 plane, 32 bpp, size, offset.
	_ = binary.Write(&b, le, struct {
		W, H, Colors, Reserved uint8
		Planes, BPP            uint16
		Size, Offset           uint32
	}{64, 64, 0, 0, 1, 32, uint32(len(png)), 6 + 16})
	b.Write(png)
	return b.Bytes()
}
