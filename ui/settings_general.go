package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"idlebell/i18n"
	"idlebell/settings"
)

// generalTab is the General tab: the [notifications] table and Start at
// login. It edits settingsWindow.general and .autostart.
type generalTab struct {
	s      *settingsWindow
	fields map[string]*field
	box    fyne.CanvasObject
}

func newGeneralTab(s *settingsWindow) *generalTab {
	g := &generalTab{s: s, fields: map[string]*field{}}
	n := &s.general
	add := func(fl *field) *field {
		g.fields[fl.key] = fl
		fl.help.tips = s.tips
		if h := focusOf(fl.input); h != nil {
			key := fl.key
			h.entered = func(o fyne.CanvasObject) { s.ensureVisible(o); fl.showTip() }
			h.left = func() {
				fl.hideTip()
				if !s.touchedGeneral[key] {
					s.touchedGeneral[key] = true
					s.validate()
				}
			}
		}
		return fl
	}
	preview := newFieldCheck(i18n.T("Show the start of the message in bubbles"), nil)
	preview.SetChecked(n.Preview)
	preview.OnChanged = func(b bool) { n.Preview = b; s.changed() }
	sound := newFieldCheck(i18n.T("Play the new-mail sound"), nil)
	sound.SetChecked(n.Sound)
	sound.OnChanged = func(b bool) { n.Sound = b; s.changed() }
	maxB := newFieldEntry()
	maxB.SetText(strconv.Itoa(n.MaxBubbles))
	maxB.OnChanged = func(v string) { n.MaxBubbles = parseInt(v); s.changed() }
	open := newFieldEntry()
	open.SetText(n.OpenCommand)
	open.OnChanged = func(v string) { n.OpenCommand = v; s.changed() }
	startAt := newFieldCheck(i18n.T("Start idlebell when I log in"), nil)
	startAt.SetChecked(s.autostart)
	startAt.OnChanged = func(b bool) { s.autostart = b; s.changed() }
	startHint := autostartNote(s.host.o.Autostart)
	if startHint != "" {
		startAt.Disable()
	}
	fields := []*field{
		add(newField("notifications.preview", "", preview, "")),
		add(newField("notifications.sound", "", sound, i18n.T("If the desktop's notification service plays sounds."))),
		add(newField("notifications.max_bubbles", i18n.T("Bubbles per minute"), maxB, i18n.T("Per account; more mail in a minute becomes one summary that updates in place."))),
		add(newField("notifications.open_command", i18n.T("Open command"), open, i18n.T("What a click on a bubble runs. Empty: the desktop's mail program."))),
		add(newField("start_at_login", "", startAt, startHint)),
	}
	cells := alignLabels(fields)
	var objs []fyne.CanvasObject
	for _, fl := range fields {
		cell := container.NewVBox(fl.input, fl.help)
		fl.row = []fyne.CanvasObject{cells[fl], cell}
		objs = append(objs, cells[fl], cell)
	}
	form := container.New(layout.NewFormLayout(), objs...)
	if s.readOnly {
		for _, fl := range fields {
			if d, ok := fl.input.(fyne.Disableable); ok {
				d.Disable()
			}
		}
	}
	g.box = container.NewPadded(widget.NewCard(i18n.T("Notifications"), "", form))
	return g
}

// showProblems puts the [notifications] problems under their fields.
func (g *generalTab) showProblems(problems []settings.Problem, all bool) (elsewhere []settings.Problem) {
	shown := map[string]string{}
	for _, p := range problems {
		fl := g.fields[p.Field]
		if fl == nil {
			elsewhere = append(elsewhere, p)
			continue
		}
		if all || g.s.touchedGeneral[p.Field] {
			shown[p.Field] = problemText(p, settings.Account{}, g.s.general)
		}
	}
	for key, fl := range g.fields {
		fl.setProblem(shown[key])
	}
	return elsewhere
}
