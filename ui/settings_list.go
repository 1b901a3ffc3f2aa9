package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"idlebell/i18n"
)

// accountList is the left side of the Accounts tab: each account with its
// state, and Add and Remove… under it.
type accountList struct {
	s      *settingsWindow
	list   *widget.List
	add    *widget.Button
	remove *widget.Button
	box    fyne.CanvasObject
}

func newAccountList(s *settingsWindow) *accountList {
	l := &accountList{s: s}
	// Two lines for the state the tray reports: "127.0.0.1:1 refused the
	// connection, retrying since 04:01" fits; a longer state ends in "…"
	// and shows whole in a tip. A window started on its own hears no
	// states, only its own notes ("Changed, not saved"): one line.
	stateLines := 1
	if s.host.o.Watcher != nil {
		stateLines = 2
	}
	l.list = widget.NewList(
		func() int { return len(s.accounts) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			name.Truncation = fyne.TextTruncateEllipsis
			state := newLinesLabel(stateLines)
			state.tips = s.tips
			return container.NewVBox(name, state)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.accounts) {
				return
			}
			e := s.accounts[id]
			box := o.(*fyne.Container)
			name := e.acct.Name
			if name == "" {
				name = i18n.T("(no name)")
			}
			box.Objects[0].(*widget.Label).SetText(name)
			box.Objects[1].(*linesLabel).SetText(accountStateText(e))
		},
	)
	l.list.OnSelected = func(id widget.ListItemID) {
		if id != s.selected {
			s.selectIndex(id)
		}
	}
	l.add = widget.NewButtonWithIcon(i18n.T("Add…"), theme.ContentAddIcon(), s.startAdd)
	l.remove = widget.NewButtonWithIcon(i18n.T("Remove…"), theme.ContentRemoveIcon(), s.confirmRemove)
	buttons := container.NewGridWithColumns(2, l.add, l.remove)
	if s.readOnly { // nothing to add or remove in the demo
		l.add.Hide()
		l.remove.Hide()
		buttons.Hide()
	}
	l.box = container.NewBorder(nil, buttons, nil, nil, l.list)
	return l
}

// accountStateText is the line under an account's name.
func accountStateText(e *accountEdit) string {
	switch {
	case e.isNew:
		return i18n.T("Not saved yet")
	case !e.acct.Enabled:
		return i18n.T("Off")
	case e.changed():
		return i18n.T("Changed, not saved")
	case e.state != "":
		return e.state
	}
	return " "
}

func (l *accountList) refresh() {
	l.list.Refresh()
	if l.s.selected >= 0 && !l.s.readOnly {
		l.remove.Enable()
	} else {
		l.remove.Disable()
	}
}
