// Package i18n translates what idlebell shows a person: the tray menu and
// tooltip, bubbles, the settings window and its dialogs, and the text of
// check, login and discover. JSON output and log messages stay English:
// they are for programs.
//
// It is fyne.io/fyne/v2/lang underneath: the translations are JSON files in
// lang's format, embedded from translations/ and added to lang's bundle, so
// Fyne's own buttons and idlebell's texts follow one locale. The locale comes
// from LANGUAGE, LC_ALL, LC_MESSAGES and LANG as gettext reads them; C, POSIX
// and C.UTF-8 mean English. English is the fallback, and the English text is
// the key.
//
// # Marking a string
//
// Wrap every user-visible literal where it is written, never a variable:
//
//	widget.NewButton(i18n.T("Save"), save)
//	i18n.T("Can't reach %s on port %d.", host, port)     // fmt verbs; %[2]s reorders
//	i18n.N("%d new message", "%d new messages", n, n)    // plural: one, other, count, args
//
// T and N take the English text as a string literal (a constant is fine
// too), so that the tests can find it. With arguments the translation is a
// fmt format; without, it is used as is. Then add the German to
// translations/idlebell.de.json — a string, or {"one": …, "other": …} for N,
// keyed by the English (N's key is the "other" form). TestGermanComplete
// fails for a marked text without German, a German entry nothing uses, a
// translation whose fmt verbs differ from the English, and a literal handed
// to a Fyne widget without T.
//
// T and N are safe from any goroutine. Reload, for tests only, is not: see
// idlebell/i18n/i18ntest.
package i18n
