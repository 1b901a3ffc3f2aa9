package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"idlebell/assets"
)

// showAbout opens (or raises) the About window. Closing it hides it; the
// app keeps running in the tray.
func (t *trayUI) showAbout() {
	if t.about != nil {
		t.about.Show()
		t.about.RequestFocus()
		return
	}
	w := t.app.NewWindow("About idlebell")
	img := canvas.NewImageFromResource(fyne.NewStaticResource("idlebell.png", assets.Bell))
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(64, 64))
	text := widget.NewLabel("idlebell announces new mail the moment it arrives,\nusing IMAP IDLE. It never changes your mail, except\nwhen you click \"Mark as read\".")
	w.SetContent(container.NewPadded(container.NewVBox(
		img,
		widget.NewLabelWithStyle("idlebell", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		text,
		widget.NewButton("Close", w.Hide),
	)))
	w.SetCloseIntercept(w.Hide)
	t.about = w
	w.Show()
}
