package cli

import (
	"fmt"
	"time"

	"idlebell/bridge"
	"idlebell/i18n"
	"idlebell/oauth"
	"idlebell/settings"
)

var loginUsage = i18n.Mark(`Usage: idlebell login [--config PATH] [--device | --browser] ACCOUNT

Signs ACCOUNT (an account with auth = "oauth2") in with its provider and
keeps the refresh token in the keyring (service idlebell-oauth2). By
default Microsoft and custom providers with oauth_device_url use a device
code (open a URL on any device, type the code); Google, which has no
device sign-in for mail, opens the browser on this machine.
Exit status: 0 signed in, 1 failed, 2 usage or config error.

Examples:
  idlebell login Work
  idlebell login --browser Outlook

Flags:
`)

// login is `idlebell login ACCOUNT`.
func login(env Env, args []string) int {
	fset := newFlags(env, "login", loginUsage)
	configPath := fset.String("config", "", i18n.T("read the config file `PATH` instead of idlebell/config.toml in the user config dir"))
	device := fset.Bool("device", false, i18n.T("sign in with a code on another device (RFC 8628)"))
	browser := fset.Bool("browser", false, i18n.T("sign in in a browser on this machine"))
	timeout := fset.Duration("timeout", 15*time.Minute, i18n.T("give up after `DURATION`"))
	if code, ok := parse(fset, args); !ok {
		return code
	}
	if fset.NArg() != 1 || (*device && *browser) {
		fset.Usage()
		return exitUsage
	}
	name := fset.Arg(0)
	cfg, path, code := loadConfig(env, "login", *configPath, i18n.T("add the account first (see the README, 'signing in with OAuth2') or pass --config PATH"))
	if cfg == nil {
		return code
	}
	a, ok := cfg.Account(name)
	if !ok {
		fmt.Fprintln(env.Stderr, i18n.T("idlebell login: no account named %s in %s", quoted(name), path))
		return exitUsage
	}
	if !a.UsesOAuth2() {
		fmt.Fprintln(env.Stderr, i18n.T("idlebell login: account %s signs in with a password: set auth = \"oauth2\" and oauth_provider in %s first", quoted(name), path))
		return exitUsage
	}
	useDevice := *device || (!*browser && bridge.OAuthConfig(a).DeviceURL != "")

	ctx, stop := interruptible(*timeout)
	defer stop()
	who := providerName(a.OAuthProvider)
	open := func(u string) error {
		fmt.Fprint(env.Stdout, i18n.T("To sign in to %s (%s) with %s, open this page in a browser on this computer:", a.Name, a.Username, who)+"\n\n  "+u+"\n\n")
		if err := oauth.OpenBrowser(u); err == nil {
			fmt.Fprintln(env.Stdout, i18n.T("Your browser should open it now."))
		}
		fmt.Fprintln(env.Stdout, i18n.T("Waiting for the browser… (Ctrl+C to cancel)"))
		return nil
	}
	show := func(dc oauth.DeviceCode) {
		fmt.Fprint(env.Stdout, i18n.T("To sign in to %s (%s) with %s:\n\n  1. Open %s on any device\n  2. Enter the code %s", a.Name, a.Username, who, dc.URL, dc.Code)+"\n\n")
		if !dc.Expires.IsZero() {
			fmt.Fprintln(env.Stdout, i18n.T("Waiting for you to finish there… the code expires in %s (Ctrl+C to cancel)", time.Until(dc.Expires).Round(time.Minute)))
		} else {
			fmt.Fprintln(env.Stdout, i18n.T("Waiting for you to finish there… (Ctrl+C to cancel)"))
		}
	}
	b := bridge.New(bridge.Options{Secrets: env.Secrets, Tokens: env.Tokens})
	if err := b.SignIn(ctx, a, useDevice, open, show); err != nil {
		fmt.Fprintf(env.Stderr, "idlebell login: %s\n", sentenceAndHint(err))
		return exitFailed
	}
	fmt.Fprintln(env.Stdout, i18n.T("Signed in. %s will use this sign-in from now on; the refresh token is in the keyring (service %s), not in any file.", a.Name, settings.KeyringTokenService))
	fmt.Fprintln(env.Stdout, i18n.T("If idlebell is running and shows “sign-in needed”, choose Check now under the account in its menu."))
	return exitOK
}

func providerName(p string) string {
	switch p {
	case settings.ProviderGoogle:
		return "Google"
	case settings.ProviderMicrosoft:
		return "Microsoft"
	}
	return "your provider"
}
