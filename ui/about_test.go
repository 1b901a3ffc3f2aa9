package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestAboutShowsVersion(t *testing.T) {
	w := newWindows(test.NewTempApp(t), Options{About: About{Version: "1.2.3+4.gabc1234", Commit: "abc1234"}, Logger: testLogger(t)})
	about := w.showAbout()
	for _, obj := range test.LaidOutObjects(about.Content()) {
		if l, ok := obj.(*widget.Label); ok && l.Text == "Version 1.2.3+4.gabc1234 (commit abc1234)" {
			return
		}
	}
	t.Error(`About shows no line "Version 1.2.3+4.gabc1234 (commit abc1234)" (the build's version)`)
}
