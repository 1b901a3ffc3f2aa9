package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"syscall"
	"time"

	"idlebell/oauth"
	"idlebell/settings"
)

const loginUsage = `Usage: idlebell login [--config PATH] [--device | --browser] ACCOUNT

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
`

// runLogin is `idlebell login ACCOUNT`.
func runLogin(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("idlebell login", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, loginUsage); fset.PrintDefaults() }
	configPath := fset.String("config", "", "config file (default: the user config dir's idlebell/config.toml)")
	device := fset.Bool("device", false, "sign in with a code on another device (RFC 8628)")
	browser := fset.Bool("browser", false, "sign in in a browser on this machine")
	timeout := fset.Duration("timeout", 15*time.Minute, "give up after this long")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fset.NArg() != 1 || (*device && *browser) {
		fset.Usage()
		return 2
	}
	name := fset.Arg(0)
	path := *configPath
	if path == "" {
		p, err := settings.Path()
		if err != nil {
			fmt.Fprintln(stderr, "idlebell login:", err)
			return 1
		}
		path = p
	}
	cfg, err := settings.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "idlebell login: no config file at %s: add the account first (see the README, 'signing in with OAuth2') or pass --config PATH\n", path)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	a, ok := cfg.Account(name)
	if !ok {
		fmt.Fprintf(stderr, "idlebell login: no account named %q in %s\n", name, path)
		return 2
	}
	if !a.UsesOAuth2() {
		fmt.Fprintf(stderr, "idlebell login: account %q signs in with a password: set auth = \"oauth2\" and oauth_provider in %s first\n", name, path)
		return 2
	}
	oc := oauthConfig(a)
	useDevice := *device || (!*browser && oc.DeviceURL != "")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	who := providerName(a.OAuthProvider)
	open := func(u string) error {
		fmt.Fprintf(stdout, "To sign in to %s (%s) with %s, open this page in a browser on this computer:\n\n  %s\n\n", a.Name, a.Username, who, u)
		if err := oauth.OpenBrowser(u); err == nil {
			fmt.Fprintln(stdout, "Your browser should open it now.")
		}
		fmt.Fprintln(stdout, "Waiting for the browser… (Ctrl+C to cancel)")
		return nil
	}
	show := func(dc oauth.DeviceCode) {
		fmt.Fprintf(stdout, "To sign in to %s (%s) with %s:\n\n  1. Open %s on any device\n  2. Enter the code %s\n\n", a.Name, a.Username, who, dc.URL, dc.Code)
		if !dc.Expires.IsZero() {
			fmt.Fprintf(stdout, "Waiting for you to finish there… the code expires in %s (Ctrl+C to cancel)\n", time.Until(dc.Expires).Round(time.Minute))
		} else {
			fmt.Fprintln(stdout, "Waiting for you to finish there… (Ctrl+C to cancel)")
		}
	}
	if err := signIn(ctx, a, useDevice, open, show); err != nil {
		fmt.Fprintf(stderr, "idlebell login: %s\n", loginFailure(err, a))
		return 1
	}
	fmt.Fprintf(stdout, "Signed in. %s will use this sign-in from now on; the refresh token is in the keyring (service %s), not in any file.\n"+
		"If idlebell is running and shows \"Sign-in needed\", choose Retry in its menu.\n", a.Name, settings.KeyringTokenService)
	return 0
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

// loginFailure says what went wrong and what to do.
func loginFailure(err error, a settings.Account) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "gave up waiting for the sign-in; run idlebell login again"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, oauth.ErrDenied):
		return fmt.Sprintf("the sign-in was declined or the code expired (%v); run idlebell login %s again", err, a.Name)
	case errors.Is(err, oauth.ErrConfig):
		return fmt.Sprintf("%v", err)
	}
	return err.Error()
}
