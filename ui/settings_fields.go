package ui

import (
	"image/color"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"idlebell/i18n"
)

// focusHooks tell the form that an input was entered (scroll it into
// view: Tab may land on a row scrolled away) and left (show its problems
// from now on).
type focusHooks struct {
	entered func(fyne.CanvasObject)
	left    func()
}

func (h *focusHooks) enter(o fyne.CanvasObject) {
	if h.entered != nil {
		h.entered(o)
	}
}

func (h *focusHooks) leave() {
	if h.left != nil {
		h.left()
	}
}

// fieldEntry is an Entry that reports focus.
type fieldEntry struct {
	widget.Entry
	focusHooks
}

func newFieldEntry() *fieldEntry {
	e := &fieldEntry{}
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.ExtendBaseWidget(e)
	return e
}

func newFieldMultiLine(rows int) *fieldEntry {
	e := &fieldEntry{}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.SetMinRowsVisible(rows)
	e.ExtendBaseWidget(e)
	return e
}

// newFieldPassword is a password entry with a button that shows what was
// typed.
func newFieldPassword() *fieldEntry {
	e := newFieldEntry()
	e.Password = true
	var reveal *widget.Button
	reveal = widget.NewButtonWithIcon("", theme.VisibilityOffIcon(), func() {
		e.Password = !e.Password
		if e.Password {
			reveal.SetIcon(theme.VisibilityOffIcon())
		} else {
			reveal.SetIcon(theme.VisibilityIcon())
		}
		e.Refresh()
	})
	reveal.Importance = widget.LowImportance
	e.ActionItem = reveal
	return e
}

func (e *fieldEntry) FocusGained() { e.Entry.FocusGained(); e.enter(e) }
func (e *fieldEntry) FocusLost()   { e.Entry.FocusLost(); e.leave() }

// fieldCheck is a Check that reports focus.
type fieldCheck struct {
	widget.Check
	focusHooks
}

func newFieldCheck(label string, changed func(bool)) *fieldCheck {
	c := &fieldCheck{}
	c.Text, c.OnChanged = label, changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *fieldCheck) FocusGained() { c.Check.FocusGained(); c.enter(c) }
func (c *fieldCheck) FocusLost()   { c.Check.FocusLost(); c.leave() }

// fieldSelect is a Select of config values shown as words: values[i] is
// shown as labels[i].
type fieldSelect struct {
	widget.Select
	focusHooks
	values []string
	label  func(string) string
}

func newFieldSelect(values []string, label func(string) string, changed func(value string)) *fieldSelect {
	s := &fieldSelect{values: values, label: label}
	for _, v := range values {
		s.Options = append(s.Options, label(v))
	}
	s.PlaceHolder = i18n.T("(Choose one)")
	s.OnChanged = func(shown string) {
		if changed != nil {
			changed(s.Value())
		}
	}
	s.ExtendBaseWidget(s)
	return s
}

// Value is the config value chosen; "" for none.
func (s *fieldSelect) Value() string {
	if i := s.SelectedIndex(); i >= 0 {
		return s.values[i]
	}
	return ""
}

// relabel shows the values in the words label gives now (they depend on
// another field), keeping the choice and reporting no change.
func (s *fieldSelect) relabel() {
	i := s.SelectedIndex()
	opts := make([]string, len(s.values))
	for j, v := range s.values {
		opts[j] = s.label(v)
	}
	if slices.Equal(opts, s.Options) {
		return
	}
	s.Options = opts
	if i >= 0 {
		s.Selected = opts[i]
	}
	s.Refresh()
}

// SetValue chooses a config value; an unknown one clears the choice.
func (s *fieldSelect) SetValue(v string) {
	for i, x := range s.values {
		if x == v {
			s.SetSelectedIndex(i)
			return
		}
	}
	s.ClearSelected()
}

func (s *fieldSelect) FocusGained() { s.Select.FocusGained(); s.enter(s) }
func (s *fieldSelect) FocusLost()   { s.Select.FocusLost(); s.leave() }

// field is one row of a form: its label, its input, and two lines under
// the input for a hint or, after the field was left, its problem. The
// lines are always there, so a message appearing moves nothing; a longer
// one ends in "…" and shows whole in a tip.
type field struct {
	key   string
	label *widget.Label
	input fyne.CanvasObject
	help  *linesLabel
	hint  string
	row   []fyne.CanvasObject // what to show and hide with the field
}

// helpLines is the height of a field's hint or problem, in lines.
const helpLines = 2

func newField(key, label string, input fyne.CanvasObject, hint string) *field {
	f := &field{key: key, label: widget.NewLabel(label), input: input, help: newLinesLabel(helpLines), hint: hint}
	f.label.Alignment = fyne.TextAlignTrailing
	f.help.Text = hint
	if hint == "" {
		f.help.Text = " "
	}
	return f
}

// setProblem shows the problem, or the hint when there is none. An
// unchanged line is left alone: every keystroke validates the whole form.
func (f *field) setProblem(p string) {
	imp, text := widget.DangerImportance, p
	if p == "" {
		imp, text = widget.LowImportance, f.hint
		if text == "" {
			text = " " // keeps the line's height
		}
	}
	if f.help.Importance == imp && f.help.Text == text {
		return
	}
	f.help.Importance = imp
	f.help.SetText(text)
	if t := f.help.tips; t != nil && t.owner == f.help {
		t.hideFor(f.help)
		f.showTip()
	}
}

// showTip shows a problem cut short whole in the tip layer, while the
// field has the focus: the keyboard's way to read it.
func (f *field) showTip() {
	if t := f.help.tips; t != nil && f.problem() != "" && f.help.cut() {
		t.show(f.help, f.help.Text, f.help.Importance)
	}
}

// hideTip hides the field's tip, if it shows one.
func (f *field) hideTip() {
	if t := f.help.tips; t != nil {
		t.hideFor(f.help)
	}
}

// problem is the problem shown, "" for none.
func (f *field) problem() string {
	if f.help.Importance == widget.DangerImportance {
		return f.help.Text
	}
	return ""
}

func (f *field) setVisible(v bool) {
	for _, o := range f.row {
		if v {
			o.Show()
		} else {
			o.Hide()
		}
	}
}

func (f *field) visible() bool { return len(f.row) == 0 || f.row[0].Visible() }

// labelColumn lays out one label at a shared width, so that the labels
// of every section of a tab line up.
type labelColumn struct{ width *float32 }

func (l labelColumn) MinSize(objects []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(0, 0)
	for _, o := range objects {
		if o.Visible() {
			s = s.Max(o.MinSize())
		}
	}
	return fyne.NewSize(max(s.Width, *l.width), s.Height)
}

func (l labelColumn) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

// alignLabels makes every label as wide as the widest, and returns the
// cells to put in the forms.
func alignLabels(fields []*field) map[*field]fyne.CanvasObject {
	var w float32
	for _, f := range fields {
		w = max(w, f.label.MinSize().Width)
	}
	out := make(map[*field]fyne.CanvasObject, len(fields))
	for _, f := range fields {
		out[f] = container.New(labelColumn{&w}, f.label)
	}
	return out
}

// spinner is an activity indicator that keeps its place while stopped, so
// that the text beside it never moves.
type spinner struct {
	a   *widget.Activity
	box fyne.CanvasObject
}

func newSpinner() *spinner {
	a := widget.NewActivity()
	a.Hide()
	room := canvas.NewRectangle(color.Transparent)
	room.SetMinSize(a.MinSize())
	return &spinner{a: a, box: container.NewStack(room, a)}
}

func (s *spinner) start() { s.a.Show(); s.a.Start() }
func (s *spinner) stop()  { s.a.Stop(); s.a.Hide() }

// focusButton is a Button that says when Tab lands on it, so that the form
// scrolls it into view as it does its fields.
type focusButton struct {
	widget.Button
	entered, left func()
	focused       bool
}

func newFocusButton(label string, tapped func()) *focusButton {
	b := &focusButton{}
	b.Text, b.OnTapped = label, tapped
	b.ExtendBaseWidget(b)
	return b
}

// FocusGained is called on the Fyne goroutine when the button gets the focus.
func (b *focusButton) FocusGained() {
	b.Button.FocusGained()
	b.focused = true
	if b.entered != nil {
		b.entered()
	}
}

// FocusLost is called on the Fyne goroutine when the button loses the focus.
func (b *focusButton) FocusLost() {
	b.Button.FocusLost()
	b.focused = false
	if b.left != nil {
		b.left()
	}
}
