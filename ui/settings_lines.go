package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// linesLabel is small print (a field's hint or problem, an account's
// state) that takes the height of a fixed number of lines whatever it
// says: its text wraps at words, and a longer one ends in "…". While the
// mouse rests on a text cut short, the tip layer shows it whole. It lives
// on the Fyne goroutine.
type linesLabel struct {
	widget.Label
	lines int
	tips  *tipLayer // nil: no tip
}

func newLinesLabel(lines int) *linesLabel {
	l := &linesLabel{lines: lines}
	l.Wrapping = fyne.TextWrapWord
	l.Truncation = fyne.TextTruncateEllipsis
	l.SizeName = theme.SizeNameCaptionText
	l.Importance = widget.LowImportance
	l.ExtendBaseWidget(l)
	return l
}

// MinSize is the height of l.lines lines of small print, whatever the text.
func (l *linesLabel) MinSize() fyne.Size {
	return fyne.NewSize(l.Label.MinSize().Width, l.heightFor(l.lines))
}

// heightFor is the height of n wrapped lines (no line spacing between
// them, as RichText wraps), with the label's padding.
func (l *linesLabel) heightFor(n int) float32 {
	th := l.Theme()
	row := fyne.MeasureText("M", th.Size(l.SizeName), l.TextStyle).Height
	return float32(n)*row + 2*th.Size(theme.SizeNameInnerPadding) + 1 // 1: no rounding loses the last line
}

// cut reports whether the text needs more than l.lines lines at the
// label's width.
func (l *linesLabel) cut() bool {
	if l.Size().Width <= 0 {
		return false
	}
	whole := widget.NewLabel(l.Text)
	whole.Wrapping, whole.SizeName, whole.TextStyle = fyne.TextWrapWord, l.SizeName, l.TextStyle
	whole.Resize(fyne.NewSize(l.Size().Width, whole.MinSize().Height))
	return whole.MinSize().Height > l.heightFor(l.lines)
}

// MouseIn shows the whole text in the tip layer when it is cut short.
func (l *linesLabel) MouseIn(*desktop.MouseEvent) {
	if l.tips != nil && l.cut() {
		l.tips.show(l, l.Text, l.Importance)
	}
}

// MouseMoved is part of desktop.Hoverable.
func (l *linesLabel) MouseMoved(*desktop.MouseEvent) {}

// MouseOut hides the tip.
func (l *linesLabel) MouseOut() {
	if l.tips != nil {
		l.tips.hideFor(l)
	}
}

// tipLayer shows a text cut short whole, over the window's content where
// the text is: a layer above the content that takes no input, so that
// what is under it is still hovered, clicked and typed in. (Fyne has no
// tooltips, and a pop-up would take the keyboard focus and the mouse.)
// It lives on the Fyne goroutine.
type tipLayer struct {
	layer *fyne.Container // the window's top layer, laid out by hand
	tip   *fyne.Container
	bg    *canvas.Rectangle
	text  *widget.Label
	owner *linesLabel
}

func newTipLayer() *tipLayer {
	t := &tipLayer{bg: canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground)), text: widget.NewLabel("")}
	t.bg.StrokeWidth = 1
	t.bg.CornerRadius = theme.Size(theme.SizeNameInputRadius)
	t.text.Wrapping = fyne.TextWrapWord
	t.text.SizeName = theme.SizeNameCaptionText
	t.tip = container.NewStack(t.bg, t.text)
	t.tip.Hide()
	t.layer = container.NewWithoutLayout(t.tip)
	return t
}

// show puts text over the label l, as wide as l and as tall as it needs.
func (t *tipLayer) show(l *linesLabel, text string, imp widget.Importance) {
	d := fyne.CurrentApp().Driver()
	if d.CanvasForObject(l) == nil || d.CanvasForObject(t.layer) == nil {
		return
	}
	t.owner = l
	t.bg.FillColor = theme.Color(theme.ColorNameOverlayBackground)
	t.bg.StrokeColor = theme.Color(theme.ColorNameSeparator)
	t.text.Importance = imp
	t.text.SizeName = l.SizeName
	t.text.SetText(text)
	width := l.Size().Width
	t.text.Resize(fyne.NewSize(width, t.text.MinSize().Height))
	t.tip.Resize(fyne.NewSize(width, t.text.MinSize().Height))
	t.tip.Move(d.AbsolutePositionForObject(l).Subtract(d.AbsolutePositionForObject(t.layer)))
	t.tip.Show()
	t.tip.Refresh()
}

// hideFor hides the tip if it is l's.
func (t *tipLayer) hideFor(l *linesLabel) {
	if t.owner == l {
		t.owner = nil
		t.tip.Hide()
	}
}

// hide hides the tip, whoever's it is (the form under it went away).
func (t *tipLayer) hide() {
	t.owner = nil
	t.tip.Hide()
}

// shown is the text the tip shows, "" when hidden.
func (t *tipLayer) shown() string {
	if !t.tip.Visible() {
		return ""
	}
	return t.text.Text
}
