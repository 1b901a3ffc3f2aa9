package settings

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"idlebell/i18n"
)

// maxConfigSize bounds what Load reads: a config is a few kilobytes, and a
// --config pointing at a large file should fail fast, not eat memory.
const maxConfigSize = 1 << 20

// Load reads and validates the config file at path. Missing keys take their
// defaults (see Default and Account.WithDefaults; enabled and notify default
// to true). It returns an error wrapping fs.ErrNotExist when the file does
// not exist, a *ReadError when it exists but cannot be read (a folder, no
// permission, an I/O error), and an *Error
// listing every problem (syntax, unknown keys, wrong types, invalid values)
// when it is not a valid config. Load never writes to path.
func Load(path string) (*Config, error) {
	data, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	return parse(path, data)
}

// ErrNotAFile: the config file's path names a folder, not a file. A
// *ReadError carries it.
var ErrNotAFile = errors.New("not a regular file")

// ReadError is a config file that exists but cannot be read: Err is
// ErrNotAFile for a folder where the file should be, matches
// fs.ErrPermission when the user may not read it, else the system's
// error. Load never writes to such a path.
type ReadError struct {
	Path string
	Err  error
}

func (e *ReadError) Error() string { return fmt.Sprintf("read config file %s: %v", e.Path, e.Err) }
func (e *ReadError) Unwrap() error { return e.Err }

func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	if err != nil {
		return nil, &ReadError{Path: path, Err: unwrapPath(err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		// A folder opens on most systems and fails only on reading, with
		// words that differ by system.
		return nil, &ReadError{Path: path, Err: ErrNotAFile}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, &ReadError{Path: path, Err: unwrapPath(err)}
	}
	if len(data) > maxConfigSize {
		return nil, &Error{Path: path, Problems: []Problem{says(ProblemSyntax, i18n.Mark("the file is larger than 1 MiB: is this the right file? An idlebell config is a few kilobytes of TOML"))}}
	}
	return data, nil
}

// unwrapPath is a *fs.PathError's cause (the ReadError names the path).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parse turns file contents into a valid Config or an *Error naming path.
func parse(path string, data []byte) (*Config, error) {
	fail := func(ps ...Problem) (*Config, error) { return nil, &Error{Path: path, Problems: ps} }

	if !utf8.Valid(data) {
		line := 1 + strings.Count(string(data[:firstInvalidUTF8(data)]), "\n")
		p := says(ProblemSyntax, i18n.Mark("the file is not UTF-8 text: is this the right file? Save it as UTF-8 TOML"))
		p.Line = line
		return fail(p)
	}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		notTOML := says(ProblemSyntax, i18n.Mark("not valid TOML"))
		if errors.As(err, &pe) {
			p := notTOML.detail(pe.Message)
			p.Line, p.Field = pe.Position.Line, pe.LastKey
			return fail(p)
		}
		return fail(notTOML.detail(strings.TrimPrefix(err.Error(), "toml: ")))
	}

	d := &decoder{lines: scanKeyLines(string(data))}
	cfg := d.config(raw)
	if len(d.problems) > 0 && d.problems[0].Field == "version" && d.badVersion {
		return fail(d.problems[0])
	}

	// Values are judged only where the types were right: a field that could
	// not be decoded has already said what is wrong with it.
	for _, p := range cfg.problems() {
		if d.failed[problemKey(p)] {
			continue
		}
		p.Line = d.lineOf(p.AccountIndex, p.Field)
		d.problems = append(d.problems, p)
	}
	if len(d.problems) > 0 {
		slices.SortStableFunc(d.problems, func(a, b Problem) int { return a.Line - b.Line })
		return fail(d.problems...)
	}
	return cfg, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// decoder walks the generic TOML tree into the typed Config, collecting one
// Problem per unknown key or wrong type instead of stopping at the first.
type decoder struct {
	lines      keyLines
	problems   []Problem
	failed     map[string]bool // problemKey of fields that failed to decode
	badVersion bool
}

func problemKey(p Problem) string { return strconv.Itoa(p.AccountIndex) + "/" + p.Field }

func (d *decoder) add(p Problem) {
	if d.failed == nil {
		d.failed = map[string]bool{}
	}
	d.failed[problemKey(p)] = true
	d.problems = append(d.problems, p)
}

// lineOf finds a field's line, else its table header's line, else 0.
func (d *decoder) lineOf(account int, field string) int {
	scope := ""
	if account > 0 {
		scope = "account#" + strconv.Itoa(account)
	} else if t, _, ok := strings.Cut(field, "."); ok {
		scope, field = t, field[len(t)+1:]
	}
	if l := d.lines[join(scope, field)]; l > 0 {
		return l
	}
	return d.lines[scope]
}

func join(scope, key string) string {
	if scope == "" {
		return key
	}
	return scope + "." + key
}

func (d *decoder) config(raw map[string]any) *Config {
	cfg := Default()
	if v, ok := raw["version"]; ok {
		n, isInt := v.(int64)
		switch {
		case !isInt:
			d.add(d.at(says(ProblemType, i18n.Mark("must be the number 1, not %s"), tomlType(v)), 0, "version"))
		case n != Version:
			d.badVersion = true
			d.add(d.at(versionProblem(n), 0, "version"))
			return cfg
		}
	}

	for _, key := range d.sortedKeys(raw, "") {
		v := raw[key]
		switch key {
		case "version":
		case "notifications":
			m, ok := v.(map[string]any)
			if !ok {
				d.add(d.at(says(ProblemType, i18n.Mark("must be a table: write [notifications] on its own line, then its keys")), 0, key))
				continue
			}
			d.fields(m, reflect.ValueOf(&cfg.Notifications).Elem(), 0, "notifications")
		case "account":
			d.accounts(cfg, v)
		default:
			d.unknown(0, "", key, v)
		}
	}
	return cfg
}

func (d *decoder) accounts(cfg *Config, v any) {
	var tables []map[string]any
	switch v := v.(type) {
	case []map[string]any:
		tables = v
	case []any:
		for _, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				d.add(d.at(says(ProblemType, i18n.Mark("must be a list of tables: write one [[account]] block per account")), 0, "account"))
				return
			}
			tables = append(tables, m)
		}
	case map[string]any:
		d.add(d.at(says(ProblemType, i18n.Mark("write [[account]] with two brackets, one block per account")), 0, "account"))
		return
	default:
		d.add(d.at(says(ProblemType, i18n.Mark("must be [[account]] blocks, not %s"), tomlType(v)), 0, "account"))
		return
	}
	for i, m := range tables {
		idx := i + 1
		// Start from the defaults so that only absent keys take them: an
		// explicit port = 0 or mailboxes = [] is reported, not replaced.
		a := NewAccount("")
		n := len(d.problems)
		d.fields(m, reflect.ValueOf(&a).Elem(), idx, "")
		if _, ok := m["port"]; !ok {
			a.Port = DefaultPort(a.Security)
		}
		if _, ok := m["host"]; !ok {
			a = a.withProviderHost()
		}
		if len(a.OAuthScopes) == 0 {
			a.OAuthScopes = nil // oauth_scopes = [] is the default, not a choice
		}
		for j := n; j < len(d.problems); j++ {
			d.problems[j].Account = a.Name
		}
		cfg.Accounts = append(cfg.Accounts, a)
	}
}

// fields decodes table m into the struct rv by toml tags.
func (d *decoder) fields(m map[string]any, rv reflect.Value, account int, scope string) {
	rt := rv.Type()
	byTag := map[string]int{}
	for i := range rt.NumField() {
		byTag[rt.Field(i).Tag.Get("toml")] = i
	}
	tableScope := scope
	if account > 0 {
		tableScope = "account#" + strconv.Itoa(account)
	}
	for _, key := range d.sortedKeys(m, tableScope) {
		v := m[key]
		i, ok := byTag[key]
		if !ok {
			d.unknown(account, scope, key, v)
			continue
		}
		field := join(scope, key)
		if p, bad := setField(rv.Field(i), v); bad {
			d.add(d.at(p, account, field))
		}
	}
}

// sortedKeys orders a table's keys as they appear in the file.
func (d *decoder) sortedKeys(m map[string]any, scope string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		la, lb := d.lines[join(scope, a)], d.lines[join(scope, b)]
		if la != lb {
			return la - lb
		}
		return strings.Compare(a, b)
	})
	return keys
}

var (
	accountKeys       = tagsOf(reflect.TypeFor[Account]())
	notificationsKeys = tagsOf(reflect.TypeFor[Notifications]())
	topKeys           = tagsOf(reflect.TypeFor[Config]())
)

func tagsOf(t reflect.Type) []string {
	var tags []string
	for i := range t.NumField() {
		tags = append(tags, t.Field(i).Tag.Get("toml"))
	}
	return tags
}

// unknown reports a key the schema does not have. It never quotes the value:
// a user who typed password = "..." must not see it echoed into logs.
func (d *decoder) unknown(account int, scope, key string, v any) {
	field := join(scope, key)
	var known []string
	var where Word
	switch {
	case account > 0:
		known, where = accountKeys, Word(i18n.Mark("in [[account]]"))
	case scope == "notifications":
		known, where = notificationsKeys, Word(i18n.Mark("in [notifications]"))
	default:
		known, where = topKeys, Word(i18n.Mark("at the top level"))
	}
	var p Problem
	switch {
	case strings.Contains(strings.ToLower(key), "password") && key != "password_command":
		p = says(ProblemUnknownKey, i18n.Mark("unknown key %q %s: passwords do not belong in the config file; store it in the keyring from Settings, or set password_command"), key, where)
	case suggest(key, known) != "":
		p = says(ProblemUnknownKey, i18n.Mark("unknown key %q %s: did you mean %q?"), key, where, suggest(key, known))
	case account > 0 && slices.Contains(notificationsKeys, key):
		p = says(ProblemUnknownKey, i18n.Mark("unknown key %q %s: it belongs in [notifications]"), key, where)
	case account == 0 && slices.Contains(accountKeys, key):
		p = says(ProblemUnknownKey, i18n.Mark("unknown key %q %s: it belongs in an [[account]] block"), key, where)
	default:
		p = says(ProblemUnknownKey, i18n.Mark("unknown key %q %s: remove it (see config.example.toml for every key)"), key, where)
	}
	d.add(d.at(p, account, field))
}

// suggest is the known key closest to a typo, or "".
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if k == key {
			continue
		}
		dist := editDistance(strings.ToLower(key), k)
		if strings.HasPrefix(k, key) || strings.HasPrefix(key, k) {
			dist = min(dist, 1)
		}
		if dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var durationType = reflect.TypeFor[Duration]()

// setField stores v in f, or returns why it cannot (bad), in plain words.
func setField(f reflect.Value, v any) (p Problem, bad bool) {
	wrong := func(text string, args ...any) (Problem, bool) { return says(ProblemType, text, args...), true }
	switch {
	case f.Type() == durationType:
		s, ok := v.(string)
		if !ok {
			return wrong(i18n.Mark("must be a duration in quotes like \"2m\" or \"90s\", not %s"), tomlType(v))
		}
		var dur Duration
		if err := dur.UnmarshalText([]byte(s)); err != nil {
			return says(ProblemValue, i18n.Mark("%q is not a duration: write it like \"90s\", \"2m\" or \"1h30m\""), s), true
		}
		f.Set(reflect.ValueOf(dur))
	case f.Kind() == reflect.String:
		s, ok := v.(string)
		if !ok {
			return wrong(i18n.Mark("must be text in quotes, not %s"), tomlType(v))
		}
		f.SetString(s)
	case f.Kind() == reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return wrong(i18n.Mark("must be true or false, not %s"), tomlType(v))
		}
		f.SetBool(b)
	case f.Kind() == reflect.Int:
		n, ok := v.(int64)
		if !ok {
			return wrong(i18n.Mark("must be a whole number, not %s"), tomlType(v))
		}
		if n < math.MinInt || n > math.MaxInt {
			return says(ProblemValue, i18n.Mark("is out of range")), true
		}
		f.SetInt(n)
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		list, ok := v.([]any)
		if !ok {
			return wrong(i18n.Mark("must be a list of text in quotes like [\"INBOX\"], not %s"), tomlType(v))
		}
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, ok := e.(string)
			if !ok {
				return wrong(i18n.Mark("must be a list of text in quotes like [\"INBOX\"], but has %s in it"), tomlType(e))
			}
			out = append(out, s)
		}
		f.Set(reflect.ValueOf(out))
	default:
		panic(fmt.Sprintf("settings: no decoder for field type %s", f.Type()))
	}
	return Problem{}, false
}

// tomlType names a decoded TOML value's type for a user.
func tomlType(v any) Word {
	switch v.(type) {
	case string:
		return Word(i18n.Mark("text"))
	case int64:
		return Word(i18n.Mark("a number"))
	case float64:
		return Word(i18n.Mark("a decimal number"))
	case bool:
		return Word(i18n.Mark("true/false"))
	case []any:
		return Word(i18n.Mark("a list"))
	case map[string]any:
		return Word(i18n.Mark("a table"))
	case []map[string]any:
		return Word(i18n.Mark("a list of tables"))
	}
	return Word(i18n.Mark("a date"))
}

// at places p at field of the account (0: not in one).
func (d *decoder) at(p Problem, account int, field string) Problem {
	p.AccountIndex, p.Field, p.Line = account, field, d.lineOf(account, field)
	return p
}

// keyLines maps "version", "notifications", "notifications.preview",
// "account#2", "account#2.port" to the line (1-based) where each first
// appears. It is a light scan of the text, good enough to point a user at a
// line: keys it cannot place (dotted keys, inline tables) get line 0.
type keyLines map[string]int

func scanKeyLines(text string) keyLines {
	lines := keyLines{}
	scope := ""
	counts := map[string]int{}
	inMulti := ""
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		s := strings.TrimSpace(line)
		if inMulti != "" {
			if strings.Count(s, inMulti)%2 == 1 {
				inMulti = ""
			}
			continue
		}
		switch {
		case s == "" || s[0] == '#':
			continue
		case strings.HasPrefix(s, "[["):
			name := strings.TrimSpace(strings.SplitN(s[2:], "]]", 2)[0])
			counts[name]++
			scope = name + "#" + strconv.Itoa(counts[name])
			setOnce(lines, scope, n)
			setOnce(lines, name, n)
			continue
		case s[0] == '[':
			scope = strings.TrimSpace(strings.SplitN(s[1:], "]", 2)[0])
			setOnce(lines, scope, n)
			continue
		}
		key, rest, ok := strings.Cut(s, "=")
		if !ok {
			continue
		}
		key = strings.Trim(strings.TrimSpace(key), `"'`)
		setOnce(lines, join(scope, key), n)
		for _, q := range []string{`"""`, `'''`} {
			if strings.Count(rest, q)%2 == 1 {
				inMulti = q
			}
		}
	}
	return lines
}

func setOnce(m keyLines, k string, v int) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}
