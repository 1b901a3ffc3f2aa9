package ui

import (
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"idlebell/i18n"
	"idlebell/settings"
	"idlebell/trust"
)

// The Security select shows short words, which fit it at the window's
// default size; the config keeps its values, and the field's hint
// (securityHint) says what they mean. Without encryption the password
// crosses the network readable, unless the server is on this computer (a
// loopback host, such as the demo's or a local bridge's): then the words
// say so instead of alarming.
func securityLabel(value, host string) string {
	switch value {
	case settings.SecurityTLS:
		return i18n.T("SSL/TLS (recommended)")
	case settings.SecurityStartTLS:
		return i18n.T("STARTTLS")
	case settings.SecurityNone:
		if trust.IsLoopback(host) {
			return i18n.T("None (this computer)")
		}
		return i18n.T("None (unencrypted)")
	}
	return ""
}

// securityHint is the line under the Security select for a choice.
func securityHint(value, host string) string {
	if value != settings.SecurityNone {
		return i18n.T("How the connection to the server is encrypted.")
	}
	if trust.IsLoopback(host) {
		return i18n.T("Not encrypted: the connection stays on this computer.")
	}
	return i18n.T("Your password would cross the network unencrypted.")
}

var securityValues = []string{settings.SecurityTLS, settings.SecurityStartTLS, settings.SecurityNone}

// The Sign-in select: auth and oauth_provider in one choice.
const (
	signInPassword  = "password"
	signInGoogle    = settings.ProviderGoogle
	signInMicrosoft = settings.ProviderMicrosoft
	signInCustom    = settings.ProviderCustom
)

var signInValues = []string{signInPassword, signInGoogle, signInMicrosoft, signInCustom}

func signInLabel(value string) string {
	switch value {
	case signInPassword:
		return i18n.T("Password")
	case signInGoogle:
		return i18n.T("Google account (OAuth2)")
	case signInMicrosoft:
		return i18n.T("Microsoft account (OAuth2)")
	case signInCustom:
		return i18n.T("Other OAuth2 provider")
	}
	return ""
}

// signInChoice is the Sign-in select's value for an account; "" for an
// auth or provider the file got wrong, whose problem is shown there.
func signInChoice(a settings.Account) string {
	switch {
	case a.Auth == "" || a.Auth == settings.AuthPassword:
		return signInPassword
	case !a.UsesOAuth2():
		return ""
	}
	switch a.OAuthProvider {
	case settings.ProviderGoogle, settings.ProviderMicrosoft, settings.ProviderCustom:
		return a.OAuthProvider
	}
	return ""
}

var hookShellValues = []string{settings.HookShellPowerShell, settings.HookShellCmd}

func hookShellLabel(value string) string {
	switch value {
	case settings.HookShellPowerShell, "":
		return i18n.T("PowerShell")
	case settings.HookShellCmd:
		return i18n.T("cmd.exe")
	}
	return ""
}

// problemText is a settings problem as the window says it: a sentence that
// starts with a capital and names the controls to use, never a config key.
// The case is told from the account's values, not from the message.
func problemText(p settings.Problem, a settings.Account, n settings.Notifications) string {
	switch p.Field {
	case "notifications.max_bubbles":
		return i18n.T("Enter a number of at least 1.")
	case "name":
		switch {
		case strings.TrimSpace(a.Name) == "":
			return i18n.T("Enter a name for this account, such as Work.")
		case strings.TrimSpace(a.Name) != a.Name:
			return i18n.T("Remove the space at the start or the end.")
		case strings.IndexFunc(a.Name, unicode.IsControl) >= 0:
			return i18n.T("Use plain text, without tabs or line breaks.")
		}
		return i18n.T("Another account has this name: choose another.")
	case "host":
		host := strings.TrimSpace(a.Host)
		switch {
		case host == "":
			return i18n.T("Enter the server's name, such as imap.example.org.")
		case strings.Contains(host, "://"):
			return i18n.T("Enter only the server's name, without %s.", host[:strings.Index(host, "://")+3])
		}
		if _, _, err := net.SplitHostPort(host); err == nil && !strings.ContainsAny(host, " /@") {
			return i18n.T("Enter the port under Port, not here.")
		}
		return i18n.T("This is not a server name: enter one such as imap.example.org.")
	case "port":
		return i18n.T("Enter a port from 1 to 65535: usually 993 for SSL/TLS, 143 for STARTTLS.")
	case "security":
		if a.Security == settings.SecurityNone {
			return i18n.T("This would send your password unencrypted. Choose SSL/TLS or STARTTLS, or tick “Allow sending the password unencrypted”.")
		}
		return i18n.T("Choose how the connection is secured.")
	case "username":
		return i18n.T("Enter your login name, usually your e-mail address.")
	case "mailboxes":
		if len(a.Mailboxes) == 0 {
			return i18n.T("Enter at least one folder, such as INBOX.")
		}
		seen := map[string]bool{}
		for _, m := range a.Mailboxes {
			if seen[m] {
				return i18n.T("%s is listed twice: remove one.", quote(m))
			}
			seen[m] = true
		}
		return i18n.T("Remove the empty line.")
	case "poll_interval":
		return i18n.T("Enter a time of at least 15 seconds, such as 2m or 90s.")
	case "max_connections":
		return i18n.T("Enter a number from 1 to %d.", settings.MaxMaxConnections)
	case "hook_timeout":
		return i18n.T("Enter a time of at least 1 second, such as 60s.")
	case "on_new_mail", "on_new_mail_batch":
		command := a.OnNewMail
		if p.Field == "on_new_mail_batch" {
			command = a.OnNewMailBatch
		}
		if v := settings.CmdExpandsMailData(command); v != "" {
			return i18n.T("%s holds what the mail's sender wrote, and cmd.exe would run it as a command: leave it to the program you call, or choose PowerShell.", "%"+v+"%")
		}
		return i18n.T("cmd.exe runs only the first line: put the command on one line, or choose PowerShell.")
	case "open_command", "notifications.open_command":
		command := a.OpenCommand
		if p.Field == "notifications.open_command" {
			command = n.OpenCommand
		}
		if v := settings.CmdExpandsMailData(command); v != "" {
			return i18n.T("%s holds what the mail's sender wrote, and cmd.exe would run it as a command: leave it to the program you call.", "%"+v+"%")
		}
	case "hook_shell":
		return i18n.T("Choose PowerShell or cmd.exe.")
	case "tls_fingerprint":
		return i18n.T("This is not a SHA-256 fingerprint: it reads like sha256:AB:CD:… with 32 pairs. Test connection fills it in.")
	case "auth", "oauth_provider":
		return i18n.T("Choose how to sign in.")
	case "password_command":
		return i18n.T("Remove the password command: this account signs in with OAuth2.")
	case "oauth_scopes":
		return i18n.T("Enter the scopes that grant IMAP access, separated by spaces.")
	case "oauth_client_id", "oauth_client_secret", "oauth_auth_url", "oauth_token_url", "oauth_device_url":
		return oauthFieldText(p.Field, a)
	}
	return capitalise(p.Translated()) // a problem the window has no words of its own for
}

// oauthFieldText covers the OAuth2 client fields: empty where needed, not a
// URL, or not https.
func oauthFieldText(field string, a settings.Account) string {
	v := map[string]string{"oauth_client_id": a.OAuthClientID, "oauth_client_secret": a.OAuthClientSecret,
		"oauth_auth_url": a.OAuthAuthURL, "oauth_token_url": a.OAuthTokenURL, "oauth_device_url": a.OAuthDeviceURL}[field]
	switch {
	case !a.UsesOAuth2():
		return i18n.T("Clear this field: it is used only when signing in with OAuth2.")
	case v == "" && field == "oauth_client_id":
		return i18n.T("Enter the client ID you registered with the provider.")
	case v == "" && field == "oauth_token_url":
		return i18n.T("Enter the provider's token URL.")
	case v == "":
		return i18n.T("Enter the authorization URL or the device URL.")
	}
	if u, err := url.Parse(v); err == nil && u.Scheme == "http" {
		return i18n.T("Use an https:// address: the sign-in must not cross the network unencrypted.")
	}
	return i18n.T("Enter a URL such as https://login.example.org/oauth2/token.")
}

// capitalise starts s with a capital and ends it with a full stop (or
// leaves its … ? ! in place). A first word that is not a plain word — a
// host name, an address, a config key — or idlebell's own name keeps its
// spelling: "imap.gmx.net not found".
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	first, _, _ := strings.Cut(s, " ")
	first = strings.TrimRight(first, ":,;.…?!")
	plain := first != "idlebell" && strings.IndexFunc(first, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) < 0
	if plain {
		s = string(unicode.ToUpper(r)) + s[n:]
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "…") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// quote puts a user's value in typographic quotes of the user's language.
func quote(s string) string {
	return i18n.T("“%s”", safeLine(s, 80))
}
