package discover

import (
	"strings"

	"idlebell/i18n"
	"idlebell/settings"
)

// provider is one row of the built-in table: the big providers whose
// settings every user would otherwise have to look up.
type provider struct {
	name    string
	domains []string // the provider's own address domains
	mx      []string // suffixes of its MX hosts, for domains it hosts
	servers []Server // Username is a pattern; empty means the address
	note    string   // what a person must do before the password works
}

func tls993(host string) Server {
	return Server{Host: host, Port: settings.DefaultPortTLS, Security: settings.SecurityTLS}
}

func oauth(provider string) Server {
	p := settings.ProviderIMAP[provider]
	return Server{Host: p.Host, Port: p.Port, Security: settings.SecurityTLS, Auth: settings.AuthOAuth2, OAuthProvider: provider}
}

// providers is the built-in table. Hosts and ports are the providers'
// published IMAP settings; the notes are their help pages' one step that
// newcomers miss.
var providers = []provider{
	{
		name:    "Gmail",
		domains: []string{"gmail.com", "googlemail.com"},
		mx:      []string{"google.com", "googlemail.com"},
		servers: []Server{oauth(settings.ProviderGoogle), tls993("imap.gmail.com")},
		note:    i18n.Mark("Sign in with Google. A password works only as an app password from your Google account's security settings."),
	},
	{
		name: "Outlook.com",
		domains: []string{"outlook.com", "outlook.de", "outlook.fr", "outlook.at", "hotmail.com", "hotmail.de",
			"hotmail.co.uk", "hotmail.fr", "hotmail.it", "live.com", "live.de", "live.co.uk", "live.fr", "msn.com", "windowslive.com"},
		mx:      []string{"outlook.com"},
		servers: []Server{oauth(settings.ProviderMicrosoft)},
		note:    i18n.Mark("Sign in with Microsoft: Outlook.com and Microsoft 365 no longer accept a password over IMAP."),
	},
	{
		name: "Yahoo",
		domains: []string{"yahoo.com", "yahoo.de", "yahoo.co.uk", "yahoo.fr", "yahoo.it", "yahoo.es", "yahoo.at",
			"ymail.com", "rocketmail.com"},
		mx:      []string{"yahoodns.net"},
		servers: []Server{tls993("imap.mail.yahoo.com")},
		note:    i18n.Mark("Use an app password from your Yahoo account's security settings, not your Yahoo password."),
	},
	{
		name:    "iCloud",
		domains: []string{"icloud.com", "me.com", "mac.com"},
		mx:      []string{"icloud.com"},
		servers: []Server{{Host: "imap.mail.me.com", Port: 993, Security: settings.SecurityTLS, Username: "%EMAILLOCALPART%"}},
		note:    i18n.Mark("Use an app-specific password from your Apple Account settings, not your Apple Account password."),
	},
	{
		name:    "GMX",
		domains: []string{"gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.eu", "gmx.li"},
		mx:      []string{"gmx.net"},
		servers: []Server{tls993("imap.gmx.net")},
		note:    i18n.Mark("Switch on POP3/IMAP access in GMX's web settings first."),
	},
	{
		name:    "GMX",
		domains: []string{"gmx.com", "gmx.us", "gmx.co.uk", "gmx.fr", "gmx.es"},
		servers: []Server{tls993("imap.gmx.com")},
		note:    i18n.Mark("Switch on POP3/IMAP access in GMX's web settings first."),
	},
	{
		name:    "WEB.DE",
		domains: []string{"web.de"},
		mx:      []string{"web.de"},
		servers: []Server{tls993("imap.web.de")},
		note:    i18n.Mark("Switch on POP3/IMAP access in WEB.DE's web settings first."),
	},
	{
		name:    "T-Online",
		domains: []string{"t-online.de", "magenta.de"},
		mx:      []string{"t-online.de"},
		servers: []Server{tls993("secureimap.t-online.de")},
		note:    i18n.Mark("Use the e-mail password from Telekom's E-Mail Center, not your Telekom login password."),
	},
	{
		name:    "freenet",
		domains: []string{"freenet.de"},
		mx:      []string{"freenet.de"},
		servers: []Server{tls993("mx.freenet.de")},
		note:    i18n.Mark("Switch on access by mail programs in freenet's mail settings first."),
	},
	{
		name: "Posteo",
		domains: []string{"posteo.de", "posteo.net", "posteo.at", "posteo.ch", "posteo.org", "posteo.eu",
			"posteo.be", "posteo.us", "posteo.uk"},
		mx:      []string{"posteo.de"},
		servers: []Server{tls993("posteo.de")},
	},
	{
		name:    "mailbox.org",
		domains: []string{"mailbox.org"},
		mx:      []string{"mailbox.org"},
		servers: []Server{tls993("imap.mailbox.org")},
	},
	{
		name:    "Fastmail",
		domains: []string{"fastmail.com", "fastmail.fm", "fastmail.de", "fastmail.net", "fastmail.org", "fastmail.us", "messagingengine.com"},
		mx:      []string{"messagingengine.com"},
		servers: []Server{tls993("imap.fastmail.com")},
		note:    i18n.Mark("Use an app password from Fastmail's Privacy & Security settings."),
	},
	{
		name:    "Proton Mail Bridge",
		domains: []string{"proton.me", "protonmail.com", "protonmail.ch", "pm.me"},
		mx:      []string{"protonmail.ch"},
		servers: []Server{{Host: "127.0.0.1", Port: 1143, Security: settings.SecurityStartTLS}},
		note:    i18n.Mark("Proton Mail Bridge must be running: use the password Bridge shows, and trust Bridge's certificate when asked."),
	},
	{
		name:    "Zoho Mail",
		domains: []string{"zoho.com", "zohomail.com"},
		mx:      []string{"zoho.com", "zohomail.com"},
		servers: []Server{tls993("imap.zoho.com")},
		note:    i18n.Mark("Switch on IMAP access in Zoho Mail's settings first."),
	},
	{
		name:    "Zoho Mail",
		domains: []string{"zoho.eu", "zohomail.eu"},
		mx:      []string{"zoho.eu", "zohomail.eu"},
		servers: []Server{tls993("imap.zoho.eu")},
		note:    i18n.Mark("Switch on IMAP access in Zoho Mail's settings first."),
	},
}

// Microsoft 365 and Google Workspace host other domains; their MX hosts
// point at the same servers as Outlook.com and Gmail under other names.
var hosted = map[string]string{"Gmail": "Google Workspace", "Outlook.com": "Microsoft 365"}

// lookupDomain returns the provider whose own domain this is.
func lookupDomain(domain string) *provider {
	for i := range providers {
		for _, d := range providers[i].domains {
			if d == domain {
				return &providers[i]
			}
		}
	}
	return nil
}

// lookupMXHost returns the provider whose mail exchanger host is, by suffix
// on a label boundary.
func lookupMXHost(host string) *provider {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for i := range providers {
		for _, s := range providers[i].mx {
			if host == s || strings.HasSuffix(host, "."+s) {
				return &providers[i]
			}
		}
	}
	return nil
}

// ServerNote is the note of the built-in provider that runs the IMAP
// server at host and port ("Use an app password from …"), an English text
// marked for translation (i18n.Translate shows it); "" for a server of no
// provider idlebell knows. A front adds it where a login was refused.
func ServerNote(host string, port int) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, p := range providers {
		for _, s := range p.servers {
			if s.Host == host && s.Port == port {
				return p.note
			}
		}
	}
	return ""
}

// result is a fresh Result for the provider's own domains.
func (p *provider) result() *Result {
	return &Result{Provider: p.name, Servers: append([]Server(nil), p.servers...), Note: p.note}
}

// hostedResult is a Result for a domain the provider hosts: the login is
// the full address there.
func (p *provider) hostedResult() *Result {
	r := p.result()
	if h, ok := hosted[p.name]; ok {
		r.Provider = h
	}
	for i := range r.Servers {
		r.Servers[i].Username = ""
	}
	return r
}
