package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"idlebell/discover"
	"idlebell/i18n"
	"idlebell/safetext"
	"idlebell/settings"
)

var discoverUsage = i18n.Mark(`Usage: idlebell discover [--json] [--timeout 30s] ADDRESS

Finds the IMAP server of a mail address, as a mail program fills in host,
port and security: idlebell's table of the big providers first (no network),
then the domain's autoconfig file, Thunderbird's ISPDB, DNS SRV records
(RFC 6186), the domain's mail exchangers, and last a probe of imap.DOMAIN,
mail.DOMAIN and DOMAIN on ports 993 and 143. It sends no password.
Exit status: 0 found, 1 not found, 2 usage.

Examples:
  idlebell discover alice@gmx.de
  idlebell discover --json bob@example.org | jq -r '.servers[0].host'

Flags:
`)

// discoverCmd is `idlebell discover ADDRESS`. d is the discoverer; nil
// means the real network.
func discoverCmd(env Env, args []string, d *discover.Discoverer) int {
	fset := newFlags(env, "discover", discoverUsage)
	asJSON := fset.Bool("json", false, i18n.T("print JSON for scripts"))
	timeout := fset.Duration("timeout", 30*time.Second, i18n.T("give up after `DURATION`"))
	plaintext := fset.Bool("allow-plaintext", false, i18n.T("also offer a server that speaks only unencrypted IMAP"))
	if code, ok := parse(fset, args); !ok {
		return code
	}
	if fset.NArg() != 1 {
		fset.Usage()
		return exitUsage
	}
	if d == nil {
		d = &discover.Discoverer{}
	}
	d.AllowPlaintext = *plaintext
	ctx, stop := interruptible(*timeout)
	defer stop()
	r, err := d.Discover(ctx, fset.Arg(0))
	var nf *discover.NotFoundError
	switch {
	case errors.Is(err, discover.ErrAddress):
		fmt.Fprintf(env.Stderr, "idlebell discover: %s\n", i18n.T("%s is not a mail address: write it like alice@example.org.", quoted(fset.Arg(0))))
		return exitUsage
	case errors.As(err, &nf):
		if *asJSON {
			_ = writeJSON(env.Stdout, struct {
				Address string             `json:"address"`
				Error   string             `json:"error"`
				Offline bool               `json:"offline,omitempty"`
				Tried   []discover.Attempt `json:"tried"`
			}{nf.Address, err.Error(), nf.Offline, nf.Tried})
		} else {
			writeNotFound(env.Stdout, nf)
		}
		return exitFailed
	case err != nil:
		fmt.Fprintf(env.Stderr, "idlebell discover: %v\n", err)
		return exitFailed
	}
	if *asJSON {
		err = writeJSON(env.Stdout, r)
	} else {
		err = writeDiscovered(env.Stdout, r)
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "idlebell discover:", err)
		return exitFailed
	}
	return exitOK
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// serverLine is "imap.gmx.net, port 993, SSL/TLS".
func serverLine(s discover.Server) string {
	return i18n.T("%s, port %d, %s", safetext.Line(s.Host, 120), s.Port, discover.SecurityName(s.Security))
}

// sourceText says where the answer came from.
func sourceText(r *discover.Result) string {
	where := safetext.Line(r.Where, 200)
	switch r.Source {
	case discover.SourceBuiltin:
		return i18n.T("idlebell's table of providers")
	case discover.SourceAutoconfig:
		return i18n.T("the domain's autoconfig file, %s", where)
	case discover.SourceISPDB:
		return i18n.T("Thunderbird's ISPDB, %s", where)
	case discover.SourceSRV:
		return i18n.T("the DNS record %s", where)
	case discover.SourceMX:
		return i18n.T("the domain's mail server %s", where)
	}
	return i18n.T("a server answering on %s", where)
}

// writeDiscovered prints the result for people: the best server, how to
// log in, where it came from, the provider's note, then the other ways in.
func writeDiscovered(w io.Writer, r *discover.Result) error {
	var b strings.Builder
	row := func(label, value string) { fmt.Fprintf(&b, "  %s  %s\n", pad(label, 12), value) }
	best := r.Servers[0]
	fmt.Fprintf(&b, "%s: %s\n", safetext.Line(r.Provider, 80), serverLine(best))
	row(i18n.T("username"), safetext.Line(best.Username, 200))
	switch best.OAuthProvider {
	case settings.ProviderGoogle:
		row(i18n.T("login"), i18n.T("sign in with Google (idlebell login, or the settings window)"))
	case settings.ProviderMicrosoft:
		row(i18n.T("login"), i18n.T("sign in with Microsoft (idlebell login, or the settings window)"))
	default:
		row(i18n.T("login"), i18n.T("password"))
	}
	if best.Certificate != nil {
		row(i18n.T("certificate"), i18n.T("not verified (%s): trust it only if it is your server's", safetext.Line(best.Certificate.Problem, 200)))
	}
	row(i18n.T("found in"), sourceText(r))
	if r.Note != "" {
		row(i18n.T("note"), i18n.Translate(r.Note))
	}
	for _, s := range r.Servers[1:] {
		alt := serverLine(s)
		if s.Auth != best.Auth && s.Auth == settings.AuthPassword {
			alt = i18n.T("%s, with a password", alt)
		}
		row(i18n.T("or"), alt)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeNotFound lists every source asked, once each, and why it gave
// nothing, in the user's language.
func writeNotFound(w io.Writer, nf *discover.NotFoundError) {
	if nf.Offline {
		// Every place failed alike, for want of the network: the domain
		// is not to blame, and the list would say so a dozen times.
		fmt.Fprintf(w, "%s\n%s\n", i18n.T("Could not look for the server of %s: this computer seems to be offline (no name could be looked up, not even autoconfig.thunderbird.net, or there is no route).", safetext.Line(nf.Address, 200)),
			i18n.T("Try again when it is online. Without the network idlebell knows only the big providers (Gmail, Outlook.com, Yahoo, iCloud, GMX, WEB.DE…), and this address is not one of theirs."))
		return
	}
	fmt.Fprintf(w, "%s\n", i18n.T("No IMAP server found for %s. Asked:", safetext.Line(nf.Address, 200)))
	width := 0
	for _, a := range nf.Tried {
		width = max(width, utf8.RuneCountInString(sourceLabel(a.Source)))
	}
	for _, a := range nf.Tried {
		fmt.Fprintf(w, "  %s  %s: %s\n", pad(sourceLabel(a.Source), width), safetext.Line(withoutQuery(a.Where), 120), a.Reason())
	}
	for _, s := range nf.Plaintext {
		addr := net.JoinHostPort(safetext.Line(s.Host, 120), strconv.Itoa(s.Port))
		fmt.Fprintf(w, "%s\n", i18n.T("%s answers, but only unencrypted: idlebell discover --allow-plaintext %s offers it, for a network you trust.", addr, safetext.Line(nf.Address, 200)))
	}
	fmt.Fprintf(w, "%s\n", i18n.T("Ask your provider for the IMAP server's name, port and security, and enter them in the settings window."))
}

// sourceLabel names a source in a short column: "autoconfig", "DNS SRV".
func sourceLabel(src discover.Source) string {
	switch src {
	case discover.SourceBuiltin:
		return i18n.T("table")
	case discover.SourceAutoconfig:
		return i18n.T("autoconfig")
	case discover.SourceISPDB:
		return "ISPDB"
	case discover.SourceSRV:
		return i18n.T("DNS SRV")
	case discover.SourceMX:
		return i18n.T("DNS MX")
	}
	return i18n.T("guessed")
}

// withoutQuery is a URL without its query, which repeats the address
// asked for: the same place, shorter.
func withoutQuery(where string) string {
	if u, err := url.Parse(where); err == nil && u.Scheme != "" && u.Host != "" {
		u.RawQuery, u.ForceQuery = "", false
		return u.String()
	}
	return where
}

// pad fills s with spaces to width characters (not bytes: labels may be
// German).
func pad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}
