package settings

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"idlebell/i18n"
	"idlebell/trust"
)

// Problem is one thing wrong with a config, placed so the settings window can
// show it next to its field and the tray can show it as a line.
type Problem struct {
	Account      string // account name; empty for top-level fields or an unnamed account
	AccountIndex int    // 1-based position among the [[account]] blocks; 0 when not about an account
	Field        string // TOML key: "port" in an account, "notifications.max_bubbles", "version"
	Line         int    // line in the file, 0 when unknown (or not from a file)
	Message      string // what is wrong and what to do, without the location, in English
	Kind         ProblemKind
	// Text is Message's English fmt template, marked for translation, and
	// Args its values (a Word among them is translated too); Detail is the
	// TOML library's own words, English, which Message and Translated put
	// in parentheses. Translated says it in the user's language.
	Text   string
	Args   []any
	Detail string
}

// ProblemKind is what kind of thing is wrong.
type ProblemKind int

const (
	ProblemValue      ProblemKind = iota // a value out of range, of the wrong form, or unsafe
	ProblemSyntax                        // not TOML, not UTF-8 text, or too large to be a config
	ProblemUnknownKey                    // a key idlebell does not have
	ProblemType                          // a value of the wrong TOML type
	ProblemVersion                       // a version this idlebell does not read
)

// Word is an argument of a Problem's Text that is itself words ("a list",
// "text"): Translated translates it with the sentence.
type Word string

// says is a Problem of kind whose Message is text with args. text must be
// marked with i18n.Mark where it is written.
func says(kind ProblemKind, text string, args ...any) Problem {
	return Problem{Kind: kind, Text: text, Args: args, Message: english(text, args)}
}

// english is text with args, as fmt formats them. (A slice, not
// variadic: the texts are marked variables, not format literals.)
func english(text string, args []any) string {
	if len(args) == 0 {
		return text
	}
	return fmt.Sprintf(text, args...)
}

// detail adds the TOML library's words to p, in parentheses.
func (p Problem) detail(d string) Problem {
	p.Detail = d
	if d != "" {
		p.Message += " (" + d + ")"
	}
	return p
}

// Translated is Message in the user's language (idlebell/i18n): the
// sentence translated, config keys and values as written, the TOML
// library's words in parentheses.
func (p Problem) Translated() string {
	if p.Text == "" {
		return p.Message
	}
	s := i18n.Translate(p.Text)
	if len(p.Args) > 0 {
		args := make([]any, len(p.Args))
		for i, a := range p.Args {
			if w, ok := a.(Word); ok {
				a = i18n.Translate(string(w))
			}
			args[i] = a
		}
		s = fmt.Sprintf(s, args...)
	}
	if p.Detail != "" {
		s += " (" + p.Detail + ")"
	}
	return s
}

// Localized is String in the user's language: "Zeile 12: Konto „Arbeit“:
// port: …".
func (p Problem) Localized() string {
	var b strings.Builder
	if p.Line > 0 {
		b.WriteString(i18n.T("line %d", p.Line) + ": ")
	}
	switch {
	case p.Account != "":
		b.WriteString(i18n.T("account %s", i18n.T("“%s”", p.Account)) + ": ")
	case p.AccountIndex > 0:
		b.WriteString(i18n.T("account %d", p.AccountIndex) + ": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Translated())
	return b.String()
}

// String is the problem as one line of plain words, without the file name:
// `line 12: account "Work": port: 99999 is not a valid port: ...`.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	switch {
	case p.Account != "":
		fmt.Fprintf(&b, "account %q: ", p.Account)
	case p.AccountIndex > 0:
		fmt.Fprintf(&b, "account %d: ", p.AccountIndex)
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is an invalid config: every problem found, in file order. Load
// returns it for a file that parses badly or fails validation; Validate
// returns it without a Path.
type Error struct {
	Path     string
	Problems []Problem
}

// Error joins the problems one per line, each prefixed with the file path.
func (e *Error) Error() string {
	prefix := ""
	if e.Path != "" {
		prefix = e.Path + ": "
	}
	if len(e.Problems) == 0 {
		return prefix + "invalid config"
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = prefix + p.String()
	}
	return strings.Join(lines, "\n")
}

// Localized is Error in the user's language, one problem a line.
func (e *Error) Localized() string {
	prefix := ""
	if e.Path != "" {
		prefix = e.Path + ": "
	}
	if len(e.Problems) == 0 {
		return prefix + i18n.T("invalid config")
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = prefix + p.Localized()
	}
	return strings.Join(lines, "\n")
}

// Validate checks values the TOML types cannot: ranges, choices, unique
// names, plaintext to remote hosts. It returns nil or an *Error whose
// problems carry Account, AccountIndex and Field (not Line). The settings
// window calls it before Save; Load calls it after decoding.
func (c *Config) Validate() error {
	ps := c.problems()
	if len(ps) == 0 {
		return nil
	}
	return &Error{Problems: ps}
}

func (c *Config) problems() []Problem {
	var ps []Problem
	if c.Version != 0 && c.Version != Version {
		// Nothing else can be judged against a schema we do not know.
		p := versionProblem(int64(c.Version))
		p.Field = "version"
		return []Problem{p}
	}
	if n := c.Notifications.MaxBubbles; n < 1 {
		p := says(ProblemValue, i18n.Mark("%d is too few: use at least 1 (default %d)"), n, DefaultMaxBubbles)
		p.Field = "notifications.max_bubbles"
		ps = append(ps, p)
	}
	if v := CmdExpandsMailData(c.Notifications.OpenCommand); v != "" {
		p := says(ProblemValue, openCommandExpands, v)
		p.Field = "notifications.open_command"
		ps = append(ps, p)
	}
	firstUse := map[string]int{}
	for i, a := range c.Accounts {
		idx := i + 1
		for _, p := range accountProblems(a) {
			p.Account, p.AccountIndex = a.Name, idx
			ps = append(ps, p)
		}
		if a.Name == "" {
			continue
		}
		if first, dup := firstUse[a.Name]; dup {
			p := says(ProblemValue, i18n.Mark("%q is already the name of account %d: names must be unique"), a.Name, first)
			p.Account, p.AccountIndex, p.Field = a.Name, idx, "name"
			ps = append(ps, p)
		} else {
			firstUse[a.Name] = idx
		}
	}
	return ps
}

func versionProblem(v int64) Problem {
	return says(ProblemVersion, i18n.Mark("version %d is not supported: this idlebell reads version %d files; use the idlebell that wrote it, or rewrite the file for version %d (see config.example.toml)"), v, Version, Version)
}

func accountProblems(a Account) []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		p := says(ProblemValue, format, args...)
		p.Field = field
		ps = append(ps, p)
	}

	switch {
	case strings.TrimSpace(a.Name) == "":
		add("name", i18n.Mark("is empty: every account needs a unique name (it is also the account's keyring entry)"))
	case strings.TrimSpace(a.Name) != a.Name:
		add("name", i18n.Mark("%q starts or ends with a space: remove it"), a.Name)
	case strings.IndexFunc(a.Name, unicode.IsControl) >= 0:
		add("name", i18n.Mark("contains a control character (tab, newline...): use plain text"))
	}

	host := a.Host
	switch {
	case strings.TrimSpace(host) == "":
		add("host", i18n.Mark("is empty: set the IMAP server's name, e.g. \"imap.example.com\""))
	case strings.Contains(host, "://"):
		add("host", i18n.Mark("%q has a scheme: write only the server's name, e.g. %q"), host, host[strings.Index(host, "://")+3:])
	case strings.ContainsAny(host, " \t\r\n/@"):
		add("host", i18n.Mark("%q is not a host name or address: write only the server's name, e.g. \"imap.example.com\""), host)
	default:
		if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err != nil {
			if h, p, err := net.SplitHostPort(host); err == nil {
				add("host", i18n.Mark("%q includes a port: write host = %q and port = %s"), host, h, p)
			}
		}
	}

	if a.Port < 1 || a.Port > 65535 {
		add("port", i18n.Mark("%d is not a valid port: use 1 to 65535 (usually %d for tls, %d for starttls or none)"), a.Port, DefaultPortTLS, DefaultPortPlain)
	}

	switch a.Security {
	case SecurityTLS, SecurityStartTLS:
	case SecurityNone:
		if !a.AllowPlaintext && strings.TrimSpace(host) != "" && !trust.IsLoopback(host) {
			add("security", i18n.Mark("\"none\" would send your password unencrypted to %s: use \"tls\" or \"starttls\", or set allow_plaintext = true if you accept that"), host)
		}
	default:
		add("security", i18n.Mark("%q is not a security mode: use \"tls\", \"starttls\" or \"none\""), a.Security)
	}

	if strings.TrimSpace(a.Username) == "" {
		add("username", i18n.Mark("is empty: set the login name, usually your e-mail address"))
	}
	ps = append(ps, oauthProblems(a)...)

	if len(a.Mailboxes) == 0 {
		add("mailboxes", i18n.Mark("lists no mailbox: list at least one, e.g. [\"INBOX\"]"))
	}
	seen := map[string]bool{}
	for _, m := range a.Mailboxes {
		switch {
		case strings.TrimSpace(m) == "":
			add("mailboxes", i18n.Mark("contains an empty name: remove it or write the mailbox's name, e.g. \"INBOX\""))
		case seen[m]:
			add("mailboxes", i18n.Mark("lists %q twice: remove one"), m)
		}
		seen[m] = true
	}

	if d := a.PollInterval.Duration; d < MinPollInterval {
		add("poll_interval", i18n.Mark("%s is too short: use at least %s (default %s)"), formatDuration(d), formatDuration(MinPollInterval), formatDuration(DefaultPollInterval))
	}
	if n := a.MaxConnections; n < 1 || n > MaxMaxConnections {
		add("max_connections", i18n.Mark("%d is out of range: use 1 to %d (default %d; mailboxes beyond it are checked every poll_interval)"), n, MaxMaxConnections, DefaultMaxConnections)
	}
	if d := a.HookTimeout.Duration; d < MinHookTimeout {
		add("hook_timeout", i18n.Mark("%s is too short: use at least %s (default 60s)"), formatDuration(d), formatDuration(MinHookTimeout))
	}
	if v := CmdExpandsMailData(a.OpenCommand); v != "" {
		add("open_command", openCommandExpands, v)
	}
	switch a.HookShell {
	case "", HookShellPowerShell:
	case HookShellCmd:
		for _, h := range []struct{ key, command string }{{"on_new_mail", a.OnNewMail}, {"on_new_mail_batch", a.OnNewMailBatch}} {
			if strings.ContainsAny(strings.Trim(h.command, "\r\n"), "\r\n") {
				add(h.key, i18n.Mark("has several lines, but cmd.exe (hook_shell = \"cmd\") runs only the first: put it on one line, joining commands with &, or use PowerShell"))
			} else if v := CmdExpandsMailData(h.command); v != "" {
				add(h.key, i18n.Mark("expands %%%s%%, which the mail's sender wrote: cmd.exe would run a value such as \"& calc\" as a command; leave it to the program you call (it is in its environment), or use PowerShell"), v)
			}
		}
	default:
		add("hook_shell", i18n.Mark("%q is not a hook shell: use \"powershell\" (the default) or \"cmd\"; it matters only on Windows"), a.HookShell)
	}
	if a.TLSFingerprint != "" {
		if _, err := trust.ParseFingerprint(a.TLSFingerprint); err != nil {
			p := says(ProblemValue, i18n.Mark("%q is not a SHA-256 fingerprint: write it like \"sha256:AB:CD:...\" with 32 pairs of hex digits (openssl x509 -noout -fingerprint -sha256 prints it)"), a.TLSFingerprint)
			p.Field = "tls_fingerprint"
			ps = append(ps, p)
		}
	}
	return ps
}

// oauthProblems checks auth and the oauth_* keys.
func oauthProblems(a Account) []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		p := says(ProblemValue, format, args...)
		p.Field = field
		ps = append(ps, p)
	}
	switch a.Auth {
	case AuthPassword, "":
		for field, v := range map[string]string{"oauth_provider": a.OAuthProvider, "oauth_client_id": a.OAuthClientID,
			"oauth_client_secret": a.OAuthClientSecret, "oauth_auth_url": a.OAuthAuthURL, "oauth_token_url": a.OAuthTokenURL,
			"oauth_device_url": a.OAuthDeviceURL} {
			if v != "" {
				add(field, i18n.Mark("is set but auth is \"password\": set auth = \"oauth2\" to sign in with %s, or remove it"), field)
			}
		}
		return sortProblems(ps)
	case AuthOAuth2:
	default:
		add("auth", i18n.Mark("%q is not a sign-in method: use \"password\" or \"oauth2\" (Gmail, Outlook.com, Microsoft 365)"), a.Auth)
		return ps
	}
	if a.PasswordCommand != "" {
		add("password_command", i18n.Mark("is not used with auth = \"oauth2\": remove it (the sign-in is kept in the keyring)"))
	}
	switch a.OAuthProvider {
	case ProviderGoogle, ProviderMicrosoft:
	case ProviderCustom:
		if a.OAuthTokenURL == "" {
			add("oauth_token_url", i18n.Mark("is empty: oauth_provider = \"custom\" needs the provider's token endpoint"))
		}
		if a.OAuthAuthURL == "" && a.OAuthDeviceURL == "" {
			add("oauth_auth_url", i18n.Mark("and oauth_device_url are both empty: oauth_provider = \"custom\" needs at least one of them to sign in"))
		}
		if len(a.OAuthScopes) == 0 {
			add("oauth_scopes", i18n.Mark("is empty: oauth_provider = \"custom\" needs the scopes that grant IMAP access"))
		}
		if a.OAuthClientID == "" {
			add("oauth_client_id", i18n.Mark("is empty: oauth_provider = \"custom\" needs the client ID you registered with the provider"))
		}
	case "":
		add("oauth_provider", i18n.Mark("is empty: with auth = \"oauth2\" choose \"google\", \"microsoft\" or \"custom\""))
	default:
		add("oauth_provider", i18n.Mark("%q is not a provider: use \"google\", \"microsoft\" or \"custom\""), a.OAuthProvider)
	}
	for field, v := range map[string]string{"oauth_auth_url": a.OAuthAuthURL, "oauth_token_url": a.OAuthTokenURL, "oauth_device_url": a.OAuthDeviceURL} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			add(field, i18n.Mark("%q is not a URL: write it like \"https://login.example.com/oauth2/token\""), v)
		case u.Scheme == "http" && !trust.IsLoopback(u.Hostname()):
			add(field, i18n.Mark("%q is not https: tokens would cross the network unencrypted; use https"), v)
		}
	}
	return sortProblems(ps)
}

// sortProblems orders problems by field, so that the map walks above give
// a stable order.
func sortProblems(ps []Problem) []Problem {
	slices.SortStableFunc(ps, func(a, b Problem) int { return strings.Compare(a.Field, b.Field) })
	return ps
}

// openCommandExpands is the problem of an open_command that expands the
// mail's own data the cmd.exe way: on Windows such a line runs under cmd.
var openCommandExpands = i18n.Mark("expands %%%s%%, which the mail's sender wrote: on Windows cmd.exe would run a value such as \"& calc\" as a command; leave it to the program you call (it is in its environment)")

// mailDataVars are the IDLEBELL_* variables whose values the mail's sender
// wrote (see the hooks package's MailEnv).
var mailDataVars = []string{"IDLEBELL_FROM", "IDLEBELL_FROM_ADDRESS", "IDLEBELL_SUBJECT", "IDLEBELL_MESSAGE_ID"}

// CmdExpandsMailData returns the variable with the mail's own data that
// command expands the cmd.exe way — %IDLEBELL_SUBJECT%, in any case and
// with :~ or := modifiers — or "". cmd.exe puts the value in before it
// reads & | < > ^ and quotes, so a sender could make such a line run
// commands; a program reading the variable from its environment is safe.
func CmdExpandsMailData(command string) string {
	up := strings.ToUpper(command)
	for i := 0; ; {
		j := strings.Index(up[i:], "%IDLEBELL_")
		if j < 0 {
			return ""
		}
		start := i + j + 1
		end := strings.IndexByte(up[start:], '%')
		if end < 0 {
			return ""
		}
		name, _, _ := strings.Cut(up[start:start+end], ":")
		for _, v := range mailDataVars {
			if name == v {
				return v
			}
		}
		i = start
	}
}
