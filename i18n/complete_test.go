package i18n

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// marked is one T or N call found in the source.
type marked struct {
	pos      string // file:line
	key, one string // one: N's singular; empty for T
	plural   bool
}

// sourceScan is what TestGermanComplete finds in idlebell's production Go
// files (tests, testdata and third_party aside).
type sourceScan struct {
	marks    []marked
	problems []string // unmarked user-visible literals, non-literal keys
	files    int
}

// TestGermanComplete fails when a text marked with T or N has no German, a
// German entry is used by nothing, a translation's fmt verbs differ from the
// English, or a literal goes to a Fyne widget, a dialog, the tray menu or a
// notification without T.
func TestGermanComplete(t *testing.T) {
	scan := scanSource(t, "..")
	for _, p := range scan.problems {
		t.Error(p)
	}
	if scan.files < 50 {
		t.Fatalf("scanned %d Go files: is the scan looking in the right place?", scan.files)
	}
	german := readGerman(t)
	used := make(map[string]bool)
	for _, m := range scan.marks {
		used[m.key] = true
		de, ok := german[m.key]
		switch {
		case !ok:
			t.Errorf("%s: no German for %q: add it to translations/idlebell.de.json", m.pos, m.key)
		case m.plural && de.forms == nil:
			t.Errorf("%s: %q is counted (N) but its German is a plain string: give \"one\" and \"other\"", m.pos, m.key)
		case !m.plural && de.forms != nil:
			t.Errorf("%s: %q is plain (T) but its German has plural forms", m.pos, m.key)
		case m.plural:
			if v, w := verbs(m.one), verbs(m.key); v != w {
				t.Errorf("%s: English forms %q and %q use different fmt verbs (%s, %s)", m.pos, m.one, m.key, v, w)
			}
			for _, form := range []string{"one", "other"} {
				if de.forms[form] == "" {
					t.Errorf("%s: German for %q lacks the %q form", m.pos, m.key, form)
				} else if v, w := verbs(de.forms[form]), verbs(m.key); v != w {
					t.Errorf("%s: German %s form %q uses fmt verbs %s, the English %s", m.pos, form, de.forms[form], v, w)
				}
			}
		default:
			if v, w := verbs(de.text), verbs(m.key); v != w {
				t.Errorf("%s: German %q uses fmt verbs %s, the English %q %s", m.pos, de.text, v, m.key, w)
			}
			if v, w := fields(de.text), fields(m.key); v != w {
				t.Errorf("%s: German %q fills in %s, the English %q %s", m.pos, de.text, v, m.key, w)
			}
		}
	}
	for key := range german {
		if !used[key] {
			t.Errorf("German entry %q is used by no T or N call: remove it", key)
		}
	}
}

type germanEntry struct {
	text  string
	forms map[string]string
}

func readGerman(t *testing.T) map[string]germanEntry {
	t.Helper()
	data, err := fs.ReadFile(translations, "translations/idlebell.de.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("idlebell.de.json: %v", err)
	}
	out := make(map[string]germanEntry, len(raw))
	for k, v := range raw {
		var e germanEntry
		if json.Unmarshal(v, &e.text) != nil {
			if err := json.Unmarshal(v, &e.forms); err != nil {
				t.Fatalf("idlebell.de.json: %q: %v", k, err)
			}
		}
		if strings.Contains(e.text, "{{") != strings.Contains(k, "{{") {
			t.Errorf("idlebell.de.json: %q: a translation is a template exactly when its English is", k)
		}
		out[k] = e
	}
	return out
}

// verbRE matches a fmt verb with its flags, index, width and precision.
var verbRE = regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*(?:\[\d+\])?\*?\d*(?:\.\d*)?(?:\[\d+\])?[a-zA-Z%]`)

// verbs returns the fmt verbs of a format as a sorted list of their letters
// (%% left out): a translation may reorder arguments but must use each as
// the English does.
func verbs(format string) string {
	var out []string
	for _, v := range verbRE.FindAllString(format, -1) {
		if c := v[len(v)-1]; c != '%' {
			out = append(out, string(c))
		}
	}
	slices.Sort(out)
	return "[" + strings.Join(out, " ") + "]"
}

// userText says which arguments of which calls are text a person reads.
// Calls are matched by the called name alone (the package or receiver is
// not resolved): widget.NewLabel, dialog.NewConfirm, systray.AddMenuItem,
// item.SetTitle and so on.
var userText = map[string][]int{
	"NewLabel": {0}, "NewLabelWithStyle": {0}, "NewButton": {0}, "NewButtonWithIcon": {0},
	"NewCheck": {0}, "NewHyperlink": {0}, "NewFormItem": {0}, "NewCard": {0, 1},
	"NewRichTextWithText": {0}, "NewRichTextFromMarkdown": {0}, "NewTabItem": {0},
	"NewTabItemWithIcon": {0}, "NewMenuItem": {0}, "NewMenu": {0}, "NewWindow": {0},
	"NewConfirm": {0, 1}, "ShowConfirm": {0, 1}, "NewInformation": {0, 1}, "ShowInformation": {0, 1},
	"NewCustom": {0, 1}, "ShowCustom": {0, 1}, "NewCustomConfirm": {0, 1, 2}, "ShowCustomConfirm": {0, 1, 2},
	"NewCustomWithoutButtons": {0}, "ShowCustomWithoutButtons": {0}, "NewForm": {0, 1, 2}, "ShowForm": {0, 1, 2},
	"NewEntryDialog": {0, 1}, "SetDismissText": {0}, "SetConfirmText": {0},
	"SetText": {0}, "SetPlaceHolder": {0}, "SetTitle": {0}, "SetTooltip": {0}, "SetToolTip": {0},
	"AddMenuItem": {0, 1}, "AddMenuItemCheckbox": {0, 1}, "AddSubMenuItem": {0, 1}, "AddSubMenuItemCheckbox": {0, 1},
}

// userFields are fields of Fyne widgets and D-Bus notifications that hold
// text a person reads, set in a composite literal or by assignment.
var userFields = map[string]bool{
	"Text": true, "PlaceHolder": true, "HintText": true, "Title": true, "Subtitle": true,
	"Summary": true, "Body": true, "Label": true, "Tooltip": true,
}

// skipDirs are not idlebell's production code.
var skipDirs = map[string]bool{"testdata": true, "third_party": true, "bin": true, "bench": true, "node_modules": true}

// scanSource parses every production Go file under root.
func scanSource(t *testing.T, root string) *sourceScan {
	t.Helper()
	s := &sourceScan{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || skipDirs[d.Name()]) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != root {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		s.files++
		rel, _ := filepath.Rel(root, path)
		s.file(fset, f, filepath.ToSlash(filepath.Dir(rel)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// frontDirs are the packages that talk to people: every literal they
// hand to a widget, a menu item or a notification, and (cli) print, is
// checked.
var frontDirs = map[string]bool{"ui": true, "tray": true, "delivery": true, "openmail": true, "cli": true}

// file records the marks in f and the literals it shows unmarked; dir is
// the file's package directory, relative to the module.
func (s *sourceScan) file(fset *token.FileSet, f *ast.File, dir string) {
	i18nName := ""
	guiFile, cliFile := frontDirs[dir], dir == "cli"
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		switch {
		case p == "idlebell/i18n":
			i18nName = "i18n"
			if imp.Name != nil {
				i18nName = imp.Name.Name
			}
		case strings.HasPrefix(p, "fyne.io/") || p == "github.com/esiqveland/notify" || p == "github.com/gen2brain/beeep":
			guiFile = true
		}
	}
	pos := func(n ast.Node) string {
		p := fset.Position(n.Pos())
		return fmt.Sprintf("%s:%d", p.Filename, p.Line)
	}
	isMark := func(n ast.Node) (*ast.CallExpr, string) {
		call, ok := n.(*ast.CallExpr)
		if !ok || i18nName == "" {
			return nil, ""
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return nil, ""
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != i18nName {
			return nil, ""
		}
		if sel.Sel.Name == "T" || sel.Sel.Name == "N" || sel.Sel.Name == "Mark" {
			return call, sel.Sel.Name
		}
		return nil, ""
	}
	// unmarked reports string literals with letters in e outside T and N.
	unmarked := func(e ast.Expr, what string) {
		ast.Inspect(e, func(n ast.Node) bool {
			if c, _ := isMark(n); c != nil {
				return false
			}
			if _, ok := n.(*ast.FuncLit); ok {
				return false
			}
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if v, err := strconv.Unquote(lit.Value); err == nil && readable(v) {
					s.problems = append(s.problems, fmt.Sprintf("%s: %s gets %s without i18n.T", pos(lit), what, lit.Value))
				}
			}
			return true
		})
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if call, name := isMark(n); call != nil {
			s.mark(call, name, pos(call))
			return true
		}
		if !guiFile {
			return true
		}
		switch n := n.(type) {
		case *ast.CallExpr:
			name := ""
			switch fn := n.Fun.(type) {
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			case *ast.Ident:
				name = fn.Name
			}
			for _, i := range userText[name] {
				if i < len(n.Args) {
					unmarked(n.Args[i], name)
				}
			}
			if cliFile && printsToPeople(n) {
				for _, arg := range n.Args[1:] {
					unmarked(arg, "printed text")
				}
			}
		case *ast.KeyValueExpr:
			if k, ok := n.Key.(*ast.Ident); ok && userFields[k.Name] {
				unmarked(n.Value, "field "+k.Name)
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if sel, ok := lhs.(*ast.SelectorExpr); ok && userFields[sel.Sel.Name] && i < len(n.Rhs) {
					unmarked(n.Rhs[i], "field "+sel.Sel.Name)
				}
			}
		}
		return true
	})
}

func (s *sourceScan) mark(call *ast.CallExpr, name, pos string) {
	lit := func(i int) (string, bool) {
		if i >= len(call.Args) {
			return "", false
		}
		return literal(call.Args[i])
	}
	key, ok := lit(0)
	if name == "T" || name == "Mark" {
		if !ok {
			s.problems = append(s.problems, pos+": i18n."+name+" needs its English text as a string literal, so that this test can check it")
			return
		}
		s.marks = append(s.marks, marked{pos: pos, key: key})
		return
	}
	other, ok2 := lit(1)
	if !ok || !ok2 {
		s.problems = append(s.problems, pos+": i18n.N needs both English forms as string literals, so that this test can check them")
		return
	}
	s.marks = append(s.marks, marked{pos: pos, key: other, one: key, plural: true})
}

// literal returns the value of a string literal or a sum of them.
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(e.Value)
		return v, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok := literal(e.X)
		b, ok2 := literal(e.Y)
		return a + b, ok && ok2
	case *ast.ParenExpr:
		return literal(e.X)
	}
	return "", false
}

// readable reports whether a literal is words: it has a letter once the
// fmt verbs and names that stay the same in every language are taken out
// ("%s: %s\n" and "idlebell check:" are not words).
func readable(v string) bool {
	v = verbRE.ReplaceAllString(v, "")
	for _, name := range []string{"idlebell", "IMAP", "OAuth2"} {
		v = strings.ReplaceAll(v, name, "")
	}
	v = cmdPrefix.ReplaceAllString(v, "")
	return strings.IndexFunc(v, unicode.IsLetter) >= 0
}

// cmdPrefix is what starts a command's message on stderr: "check:".
var cmdPrefix = regexp.MustCompile(`^\s*(check|login|discover|settings)?:`)

// printsToPeople reports whether call is fmt.Fprint, Fprintf or Fprintln
// (the command line's output and messages; JSON goes through encoders).
func printsToPeople(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || len(call.Args) < 2 {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "fmt" && strings.HasPrefix(sel.Sel.Name, "Fprint")
}

// fieldRE matches a text/template action: {{.Host}}, {{if .Subject}}.
var fieldRE = regexp.MustCompile(`\{\{[^}]*\}\}`)

// fields returns a template's actions, sorted: a translation must use the
// same (Template's keys, from explain).
func fields(tmpl string) string {
	out := fieldRE.FindAllString(tmpl, -1)
	slices.Sort(out)
	return strings.Join(out, " ")
}

// TestGermanImperativeCapitalised: a German request to the user ("Legen
// Sie eine an", "Prüfen Sie …") starts with a capital, also after a colon
// and at the start of a text that follows one ("keine Konfigurationsdatei
// unter …: Legen Sie eine an"), as the German hints do everywhere.
func TestGermanImperativeCapitalised(t *testing.T) {
	lower := regexp.MustCompile(`(^|: )\p{Ll}\pL* Sie\b`)
	for k, e := range readGerman(t) {
		texts := []string{e.text}
		for _, f := range e.forms {
			texts = append(texts, f)
		}
		for _, de := range texts {
			if m := lower.FindString(de); m != "" {
				t.Errorf("idlebell.de.json: %q: %q asks with a small letter (%q): write it with a capital", k, de, m)
			}
		}
	}
}
