package settings

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Version is the only config schema version this build understands.
const Version = 1

// Defaults, written once so the loader, WithDefaults, the README and
// config.example.toml agree.
const (
	DefaultMaxBubbles   = 3
	DefaultPortTLS      = 993
	DefaultPortPlain    = 143
	DefaultSecurity     = "tls"
	DefaultPollInterval = 2 * time.Minute
	MinPollInterval     = 15 * time.Second
	DefaultHookTimeout  = 60 * time.Second
	HookShellPowerShell = "powershell" // hook_shell: Windows PowerShell (the default on Windows)
	HookShellCmd        = "cmd"        // hook_shell: cmd.exe
	// Servers cap connections per user (Dovecot: 10 per IP); one is
	// needed per IDLEd mailbox, so idlebell uses at most this many.
	DefaultMaxConnections = 4
	MaxMaxConnections     = 10
	MinHookTimeout        = time.Second
)

// Auth values accepted in an account's auth field.
const (
	AuthPassword = "password" // LOGIN with a password from the keyring or password_command; also ""
	AuthOAuth2   = "oauth2"   // an OAuth2 access token (XOAUTH2 / OAUTHBEARER)
)

// OAuth2 providers accepted in oauth_provider.
const (
	ProviderGoogle    = "google"
	ProviderMicrosoft = "microsoft"
	ProviderCustom    = "custom"
)

// ProviderIMAP is the IMAP server of each provider preset: with auth =
// "oauth2" and a preset, host may be left out.
var ProviderIMAP = map[string]struct {
	Host string
	Port int
}{
	ProviderGoogle:    {"imap.gmail.com", 993},
	ProviderMicrosoft: {"outlook.office365.com", 993},
}

// Security values accepted in an account's security field.
const (
	SecurityTLS      = "tls"
	SecurityStartTLS = "starttls"
	SecurityNone     = "none"
)

// Duration is a time.Duration written in TOML as a string such as "2m" or
// "90s".
type Duration struct{ time.Duration }

// MarshalText writes the shortest natural form: "2m", "90s", "1h30m0s".
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(formatDuration(d.Duration)), nil
}

// UnmarshalText parses Go duration syntax ("90s", "2m", "1h30m").
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("%q is not a duration: write it like \"90s\", \"2m\" or \"1h30m\"", text)
	}
	d.Duration = v
	return nil
}

func (d Duration) String() string { return formatDuration(d.Duration) }

func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0 && d < time.Hour:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0 && d < time.Minute:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// Config is the whole config file. Field order is the order Save writes.
type Config struct {
	Version       int           `toml:"version"`
	Notifications Notifications `toml:"notifications"`
	Accounts      []Account     `toml:"account"`
}

// Notifications is the [notifications] table.
type Notifications struct {
	Preview     bool   `toml:"preview"`      // show a preview line in bubbles
	MaxBubbles  int    `toml:"max_bubbles"`  // per account per minute; more become one summary
	OpenCommand string `toml:"open_command"` // run on a click; empty: open the mail in the default mail program
	Sound       bool   `toml:"sound"`        // ask the notification daemon to play the new-mail sound
}

// Account is one [[account]] block. Its Name is the keyring entry's user.
type Account struct {
	Name            string `toml:"name"`
	Enabled         bool   `toml:"enabled"`
	Host            string `toml:"host"`
	Port            int    `toml:"port"`
	Security        string `toml:"security"`
	AllowPlaintext  bool   `toml:"allow_plaintext"`
	Username        string `toml:"username"`
	PasswordCommand string `toml:"password_command"`
	// OAuth2 (auth = "oauth2"): the refresh token lives in the keyring under
	// service "idlebell-oauth2", never here.
	Auth              string   `toml:"auth"`
	OAuthProvider     string   `toml:"oauth_provider"`
	OAuthClientID     string   `toml:"oauth_client_id"`
	OAuthClientSecret string   `toml:"oauth_client_secret"`
	OAuthAuthURL      string   `toml:"oauth_auth_url"`
	OAuthTokenURL     string   `toml:"oauth_token_url"`
	OAuthDeviceURL    string   `toml:"oauth_device_url"`
	OAuthScopes       []string `toml:"oauth_scopes"`
	Mailboxes         []string `toml:"mailboxes"`
	MaxConnections    int      `toml:"max_connections"`
	PollInterval      Duration `toml:"poll_interval"`
	TLSCAFile         string   `toml:"tls_ca_file"`
	TLSFingerprint    string   `toml:"tls_fingerprint"`
	Notify            bool     `toml:"notify"`
	OnNewMail         string   `toml:"on_new_mail"`
	OnNewMailBatch    string   `toml:"on_new_mail_batch"`
	HookTimeout       Duration `toml:"hook_timeout"`
	// HookShell is what runs the hooks on Windows: "" or "powershell"
	// (Windows PowerShell), or "cmd" (cmd.exe, which re-parses the
	// %IDLEBELL_*% values it expands). Elsewhere hooks run under sh.
	HookShell   string `toml:"hook_shell"`
	OpenCommand string `toml:"open_command"`
}

// Default is the config used when there is no file: version 1, previews on,
// three bubbles per account per minute, the new-mail sound on, no accounts.
func Default() *Config {
	return &Config{
		Version:       Version,
		Notifications: Notifications{Preview: true, MaxBubbles: DefaultMaxBubbles, Sound: true},
	}
}

// NewAccount is a fresh account as the settings window should start one:
// enabled, notifying, and with every WithDefaults default.
func NewAccount(name string) Account {
	return Account{Name: name, Enabled: true, Notify: true}.WithDefaults()
}

// WithDefaults fills the fields whose zero value means "unset": security
// "tls", port from security (993 for tls, 143 otherwise), mailboxes
// ["INBOX"], poll_interval 2m, hook_timeout 60s. It cannot tell an unset bool
// from false, so enabled and notify are left alone (Load and NewAccount set
// them). The receiver's Mailboxes slice is never shared with the result.
func (a Account) WithDefaults() Account {
	a = a.withProviderHost()
	a.OAuthScopes = slices.Clone(a.OAuthScopes)
	if a.Security == "" {
		a.Security = DefaultSecurity
	}
	if a.Port == 0 {
		a.Port = DefaultPort(a.Security)
	}
	if len(a.Mailboxes) == 0 {
		a.Mailboxes = []string{"INBOX"}
	} else {
		a.Mailboxes = slices.Clone(a.Mailboxes)
	}
	if a.PollInterval.Duration == 0 {
		a.PollInterval.Duration = DefaultPollInterval
	}
	if a.HookTimeout.Duration == 0 {
		a.HookTimeout.Duration = DefaultHookTimeout
	}
	if a.MaxConnections == 0 {
		a.MaxConnections = DefaultMaxConnections
	}
	return a
}

// UsesOAuth2 reports whether the account signs in with OAuth2.
func (a Account) UsesOAuth2() bool { return a.Auth == AuthOAuth2 }

// withProviderHost fills host, port and security from the provider preset
// when an OAuth2 account leaves host out: the user picks a provider and
// types an address.
func (a Account) withProviderHost() Account {
	if a.Auth != AuthOAuth2 || a.Host != "" {
		return a
	}
	if p, ok := ProviderIMAP[a.OAuthProvider]; ok {
		a.Host, a.Port, a.Security = p.Host, p.Port, SecurityTLS
	}
	return a
}

// DefaultPort is the usual IMAP port for a security mode.
func DefaultPort(security string) int {
	if security == SecurityTLS {
		return DefaultPortTLS
	}
	return DefaultPortPlain
}

// Account returns the account with that name.
func (c *Config) Account(name string) (Account, bool) {
	for _, a := range c.Accounts {
		if a.Name == name {
			return a, true
		}
	}
	return Account{}, false
}

// EffectiveOpenCommand is the account's open_command, or else the
// [notifications] one; empty means the desktop's mail handler.
func (c *Config) EffectiveOpenCommand(a Account) string {
	if a.OpenCommand != "" {
		return a.OpenCommand
	}
	return c.Notifications.OpenCommand
}

// Clone is a deep copy, so a window can edit a config while the running one
// stays untouched.
func (c *Config) Clone() *Config {
	n := *c
	n.Accounts = make([]Account, len(c.Accounts))
	for i, a := range c.Accounts {
		a.Mailboxes = slices.Clone(a.Mailboxes)
		a.OAuthScopes = slices.Clone(a.OAuthScopes)
		n.Accounts[i] = a
	}
	if c.Accounts == nil {
		n.Accounts = nil
	}
	return &n
}

// Path is where the config file lives: os.UserConfigDir()/idlebell/config.toml.
// The --config flag overrides it; tests pass their own path to Load.
func Path() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory: %w", err)
	}
	return filepath.Join(dir, "idlebell", "config.toml"), nil
}
