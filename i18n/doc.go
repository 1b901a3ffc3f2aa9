// Package i18n translates what idlebell shows a person: the tray menu and
// tooltip, bubbles, the settings window and its dialogs, and the text of
// check, login and discover. JSON output and log messages stay English:
// they are for programs.
//
// It works the way fyne.io/fyne/v2/lang does, on the same libraries and
// files: go-i18n with lang's JSON translation files, embedded from
// translations/; the locale read by go-locale from LANGUAGE, LC_ALL,
// LC_MESSAGES and LANG as gettext reads them (C, POSIX and C.UTF-8 mean
// English; from a LANGUAGE list the first language idlebell has wins).
// English is the fallback, and the English text is the key. It imports no
// Fyne package, so the command line and the tray process use it too; Fyne's
// own buttons follow the same environment through lang.
//
// # Marking a string
//
// Wrap every user-visible literal where it is written, never a variable:
//
//	widget.NewButton(i18n.T("Save"), save)
//	i18n.T("Can't reach %s on port %d.", host, port)     // fmt verbs; %[2]s reorders
//	i18n.N("%d new message", "%d new messages", n, n)    // plural: one, other, count, args
//	note := i18n.Mark("Switch on IMAP first.")           // kept English (JSON), shown later
//	label.SetText(i18n.Translate(note))                  //   with Translate (or Template)
//	explain.DescribeIn(i18n.Template, err)               // text/template keys, data by name
//
// T, N and Mark take the English text as a string literal (or a sum of literals),
// so that the tests can find it. With arguments the translation is a
// fmt format; without, it is used as is. Then add the German to
// translations/idlebell.de.json — a string, or {"one": …, "other": …} for N,
// keyed by the English (N's key is the "other" form). TestGermanComplete
// fails for a marked text without German, a German entry nothing uses, a
// translation whose fmt verbs differ from the English, and a literal handed
// to a Fyne widget without T.
//
// T, N and Template are safe from any goroutine; Reload is for tests (see
// idlebell/i18n/i18ntest).
package i18n
