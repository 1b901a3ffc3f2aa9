package ui

import (
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"idlebell/assets"
	"idlebell/i18n"
)

// showAbout opens (or returns) the About window: version, commit, licence
// and the project's page.
func (t *windows) showAbout() fyne.Window {
	if t.about != nil {
		return t.about
	}
	w := t.app.NewWindow(i18n.T("About idlebell"))
	img := canvas.NewImageFromResource(fyne.NewStaticResource("idlebell.png", assets.Bell))
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(64, 64))
	ab := t.o.About
	version := i18n.T("Version %s", ab.Version)
	if ab.Commit != "" {
		version = i18n.T("Version %s (commit %s)", ab.Version, ab.Commit)
	}
	items := []fyne.CanvasObject{
		img,
		widget.NewLabelWithStyle("idlebell", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle(version, fyne.TextAlignCenter, fyne.TextStyle{}),
		widget.NewLabel(i18n.T("idlebell announces new mail the moment it arrives,\nusing IMAP IDLE. It never changes your mail, except\nwhen you click \"Mark as read\".")),
	}
	if ab.License != "" {
		items = append(items, widget.NewLabelWithStyle(i18n.T("Licence: %s", ab.License), fyne.TextAlignCenter, fyne.TextStyle{}))
	}
	if u, err := url.Parse(ab.URL); err == nil && ab.URL != "" {
		items = append(items, container.NewCenter(widget.NewHyperlink(ab.URL, u)))
	}
	items = append(items, widget.NewButton(i18n.T("Close"), func() { t.closed(w) }))
	w.SetContent(container.NewPadded(container.NewVBox(items...)))
	w.SetCloseIntercept(func() { t.closed(w) })
	t.about = w
	return w
}
