package ui

import (
	"fyne.io/fyne/v2"

	"idlebell/settings"
)

type settingsWindow struct {
	w fyne.Window
}

func (s *settingsWindow) configChanged(cfg *settings.Config) {}

func (t *trayUI) showSettings() {
	if t.settings == nil {
		t.settings = &settingsWindow{w: t.app.NewWindow("idlebell settings")}
		t.settings.w.SetCloseIntercept(t.settings.w.Hide)
	}
	t.settings.w.Show()
}
