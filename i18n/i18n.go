package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync/atomic"

	"fyne.io/fyne/v2/lang"
	"github.com/jeandeaual/go-locale"
	"golang.org/x/text/language"
)

// translations holds one file per language, idlebell.LANG.json, in the
// format of fyne.io/fyne/v2/lang (go-i18n's JSON: "English": "translation",
// or "English other form": {"one": …, "other": …} for plurals).
//
//go:embed translations
var translations embed.FS

// fyneLanguages are the languages fyne.io/fyne/v2/lang has translations for
// (Fyne 2.7.1, lang/translations/base.*.json). lang picks the closest of these
// and ours for the user's locale; idlebell must know which it picked, because
// asking lang for a text it lacks in that language logs a "Fyne error" per
// call. TestFyneLanguages keeps this list in step with the Fyne in go.mod.
var fyneLanguages = []string{"cs", "de", "el", "en", "es", "fr", "pl", "pt", "pt_BR", "ru", "sv", "ta", "uk", "zh_Hans"}

// catalog is what one of idlebell's translation files holds, by English key.
type catalog struct {
	language string          // base language, e.g. "de"
	texts    map[string]bool // keys of plain texts
	plurals  map[string]bool // keys ("other" forms) of plural texts
}

// active is the catalog of the language lang chose, or nil when that is
// English or a language idlebell has no translation for.
var active atomic.Pointer[catalog]

func init() {
	if err := load(translations, "translations"); err != nil {
		// The files are embedded and TestTranslationsParse reads them:
		// this is a build that bypassed the tests. English still works.
		active.Store(nil)
	}
}

// Reload reads the locale from the environment again. It is for tests that
// switch languages (see idlebell/i18n/i18ntest) and must not run while any
// goroutine translates: lang keeps its choice in a plain variable.
func Reload() {
	_ = load(translations, "translations")
}

// Language returns the base language idlebell's texts are shown in: "de", or
// "en" for English and for every language idlebell has no translation for.
func Language() string {
	if c := active.Load(); c != nil {
		return c.language
	}
	return "en"
}

// T returns text in the user's language. text is English and the key; with
// args, the translation is a fmt format for them (fmt.Sprintf), so a
// translation may reorder them with %[2]s. Safe from any goroutine.
func T(text string, args ...any) string {
	out := text
	if c := active.Load(); c != nil && c.texts[text] {
		out = lang.L(text)
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
	if c := active.Load(); c != nil && c.plurals[other] {
		out = lang.N(other, n)
	}
	if len(args) > 0 {
		out = fmt.Sprintf(out, args...)
	}
	return out
}

// load adds the translation files in dir to lang's bundle, which makes lang
// choose its language again from the environment, and then makes the same
// choice here: the catalog of that language becomes active, if idlebell has
// one.
func load(files embed.FS, dir string) error {
	catalogs, err := readCatalogs(files, dir)
	if err != nil {
		return err
	}
	if err := lang.AddTranslationsFS(files, dir); err != nil {
		return fmt.Errorf("add translations to lang: %w", err)
	}
	shipped := make([]string, 0, len(catalogs))
	for l := range catalogs {
		shipped = append(shipped, l)
	}
	active.Store(catalogs[chooseLanguage(shipped)])
	return nil
}

// readCatalogs parses every idlebell.LANG.json in dir into a catalog, by
// base language.
func readCatalogs(files fs.FS, dir string) (map[string]*catalog, error) {
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*catalog)
	for _, e := range entries {
		name := e.Name()
		tag, ok := strings.CutSuffix(strings.TrimPrefix(name, "idlebell."), ".json")
		if !ok || tag == name {
			continue
		}
		data, err := fs.ReadFile(files, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		c, err := parseCatalog(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c.language = baseLanguage(language.Make(tag))
		out[c.language] = c
	}
	return out, nil
}

// parseCatalog reads one translation file: a JSON object whose values are
// strings (plain texts) or objects of CLDR plural forms (plurals).
func parseCatalog(data []byte) (*catalog, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	c := &catalog{texts: make(map[string]bool), plurals: make(map[string]bool)}
	for key, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			c.texts[key] = true
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil || forms["other"] == "" {
			return nil, fmt.Errorf("%q: want a string or plural forms with \"other\"", key)
		}
		c.plurals[key] = true
	}
	return c, nil
}

// chooseLanguage makes lang's choice (closestSupportedLocale in
// fyne.io/fyne/v2/lang): the user's locales as go-locale reads them, matched
// against English, Fyne's languages and ours. It returns the base language.
func chooseLanguage(ours []string) string {
	supported := []language.Tag{language.English}
	for _, l := range fyneLanguages {
		supported = append(supported, language.Make(l))
	}
	for _, l := range ours {
		supported = append(supported, language.Make(l))
	}
	locales, err := locale.GetLocales()
	if err != nil {
		return "en"
	}
	tags := make([]language.Tag, len(locales))
	for i, l := range locales {
		tags[i], _ = language.Parse(l) // as lang does: an unparsable one counts as und
	}
	best, _, _ := language.NewMatcher(supported).Match(tags...)
	return baseLanguage(best)
}

func baseLanguage(t language.Tag) string {
	b, _ := t.Base()
	return b.String()
}
