package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"text/template"

	"github.com/jeandeaual/go-locale"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// translations holds one file per language, idlebell.LANG.json, in the
// format of fyne.io/fyne/v2/lang (go-i18n's JSON): "English": "translation",
// or "English other form": {"one": …, "other": …} for plurals.
//
//go:embed translations
var translations embed.FS

// state is the language in use: the bundle of every file and the localizer
// for the user's locale, or nil for English.
type state struct {
	language  string
	localizer *goi18n.Localizer
}

var current atomic.Pointer[state]

func init() {
	// The files are embedded and TestTranslationsParse reads them: an
	// error here means a build that skipped the tests. English still works.
	_ = load(translations, "translations")
}

// Reload reads the locale from the environment again. It is for tests that
// switch languages (see idlebell/i18n/i18ntest).
func Reload() {
	_ = load(translations, "translations")
}

// Language returns the base language idlebell's texts are shown in: "de", or
// "en" for English and for every language idlebell has no translation for.
func Language() string {
	if s := current.Load(); s != nil {
		return s.language
	}
	return "en"
}

// T returns text in the user's language. text is English and the key; with
// args, the translation is a fmt format for them (fmt.Sprintf), so a
// translation may reorder them with %[2]s. Safe from any goroutine.
func T(text string, args ...any) string {
	out := text
	if s := current.Load(); s != nil {
		if tr, err := s.localizer.Localize(&goi18n.LocalizeConfig{MessageID: text}); err == nil {
			out = tr
		}
	}
	if len(args) > 0 {
		out = fmt.Sprintf(out, args...)
	}
	return out
}

// N returns the form of a countable text for n in the user's language: one
// and other are the English singular and plural, other is the key. The form
// is chosen by n alone (German and English: one for 1, other for the rest;
// other languages by their CLDR rules); args format it as in T, and usually
// include n. Safe from any goroutine.
func N(one, other string, n int, args ...any) string {
	out := other
	if n == 1 {
		out = one
	}
	if s := current.Load(); s != nil {
		if tr, err := s.localizer.Localize(&goi18n.LocalizeConfig{MessageID: other, PluralCount: n}); err == nil {
			out = tr
		}
	}
	if len(args) > 0 {
		out = fmt.Sprintf(out, args...)
	}
	return out
}

// Mark returns text unchanged. It marks an English text that is kept in a
// variable or a table and translated later, where it is shown, with
// Translate or Template: the tests then check that it has German. Use it
// for texts that also go to JSON or logs in English.
func Mark(text string) string { return text }

// Translate is T for a text marked with Mark (it may be a variable), or
// the English as is. It formats nothing.
func Translate(text string) string { return T(text) }

// Template returns key, an English text/template such as "can't find
// {{.Host}}", in the user's language with data filled in: the translation
// is a template too. It has the shape of explain.Translator (and of Fyne's
// lang.L). Safe from any goroutine.
func Template(key string, data map[string]any) string {
	if s := current.Load(); s != nil {
		if tr, err := s.localizer.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data}); err == nil {
			return tr
		}
	}
	return English(key, data)
}

// English fills an English template such as "can't find {{.Host}}" with
// data, untranslated: for JSON and logs, which stay English. A broken
// template is shown as written. It too has the shape of explain.Translator.
func English(key string, data map[string]any) string {
	if !strings.Contains(key, "{{") {
		return key
	}
	t, err := template.New("").Option("missingkey=zero").Parse(key)
	if err != nil {
		return key
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return key
	}
	return b.String()
}

// load reads every translation file in dir and chooses the language for
// the locale of the environment.
func load(files embed.FS, dir string) error {
	bundle := goi18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	entries, err := files.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, err := bundle.LoadMessageFileFS(files, dir+"/"+e.Name()); err != nil {
			return fmt.Errorf("translations: %w", err)
		}
	}
	tag := chooseLanguage(bundle.LanguageTags())
	if tag == language.English {
		current.Store(nil)
		return nil
	}
	current.Store(&state{language: baseLanguage(tag), localizer: goi18n.NewLocalizer(bundle, tag.String())})
	return nil
}

// chooseLanguage matches the user's locales, as go-locale reads them (the
// library Fyne's lang uses: LANGUAGE, LC_ALL, LC_MESSAGES, LANG, with C and
// POSIX as no preference), against the languages idlebell has. It returns
// English when none matches.
func chooseLanguage(have []language.Tag) language.Tag {
	locales, err := locale.GetLocales()
	if err != nil || len(locales) == 0 {
		return language.English
	}
	var prefs []language.Tag
	for _, l := range locales {
		if t, err := language.Parse(l); err == nil {
			prefs = append(prefs, t)
		}
	}
	supported := append([]language.Tag{language.English}, have...) // the first is the fallback
	_, i, conf := language.NewMatcher(supported).Match(prefs...)
	if conf == language.No {
		return language.English
	}
	return supported[i]
}

func baseLanguage(t language.Tag) string {
	b, _ := t.Base()
	return b.String()
}
