package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"idlebell/demo"
	"idlebell/discover"
	"idlebell/i18n/i18ntest"
)

// localDiscoverer answers from a local HTTP server for example.org's
// autoconfig and from nothing else.
func localDiscoverer(t *testing.T) *discover.Discoverer {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/example.org" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `<clientConfig><emailProvider><displayShortName>Example</displayShortName>
<incomingServer type="imap"><hostname>mail.example.org</hostname><port>143</port><socketType>STARTTLS</socketType><username>%EMAILLOCALPART%</username></incomingServer>
</emailProvider></clientConfig>`)
	}))
	t.Cleanup(srv.Close)
	return &discover.Discoverer{AutoconfigURLs: []string{srv.URL + "/{domain}"}, ISPDBURL: "-",
		Resolver: noDNS{}, Dialer: noDial{}}
}

func TestDiscoverCommand(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		locale string
		code   int
		want   string // stdout
	}{
		{"builtin", []string{"discover", "max@gmx.de"}, "C.UTF-8", 0, `GMX: imap.gmx.net, port 993, SSL/TLS
  username      max@gmx.de
  login         password
  found in      idlebell's table of providers
  note          Switch on POP3/IMAP access in GMX's web settings first.
`},
		{"builtin German", []string{"discover", "max@gmx.de"}, "de_DE.UTF-8", 0, `GMX: imap.gmx.net, Port 993, SSL/TLS
  Benutzername  max@gmx.de
  Anmeldung     Passwort
  Quelle        idlebells Anbietertabelle
  Hinweis       Schalten Sie zuerst in den Web-Einstellungen von GMX den POP3/IMAP-Abruf ein.
`},
		{"gmail", []string{"discover", "x@gmail.com"}, "C.UTF-8", 0, `Gmail: imap.gmail.com, port 993, SSL/TLS
  username      x@gmail.com
  login         sign in with Google (idlebell login, or the settings window)
  found in      idlebell's table of providers
  note          Sign in with Google. A password works only as an app password from your Google account's security settings.
  or            imap.gmail.com, port 993, SSL/TLS, with a password
`},
		{"autoconfig", []string{"discover", "bob@example.org"}, "C.UTF-8", 0, "Example: mail.example.org, port 143, STARTTLS\n  username      bob\n  login         password\n  found in      the domain's autoconfig file, "},
		{"not found", []string{"discover", "bob@nowhere.example"}, "C.UTF-8", 1, "No IMAP server found for bob@nowhere.example. Asked:\n  builtin     nowhere.example: not a provider idlebell knows\n  autoconfig  "},
		{"not an address", []string{"discover", "bob"}, "C.UTF-8", 2, ""},
		{"no address", []string{"discover"}, "C.UTF-8", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i18ntest.Use(t, tt.locale)
			code, stdout, stderr := run(t, Env{Discoverer: localDiscoverer(t)}, tt.args...)
			if code != tt.code || !strings.HasPrefix(stdout, tt.want) {
				t.Errorf("idlebell %q = %d\n%s\nwant %d\n%s\nstderr: %s", tt.args, code, stdout, tt.code, tt.want, stderr)
			}
		})
	}
}

func TestDiscoverJSON(t *testing.T) {
	i18ntest.Use(t, "de_DE.UTF-8") // JSON stays English
	code, stdout, _ := run(t, Env{Discoverer: localDiscoverer(t)}, "discover", "--json", "erika@web.de")
	var r discover.Result
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || code != 0 {
		t.Fatalf("discover --json = %d, %v:\n%s", code, err, stdout)
	}
	if r.Provider != "WEB.DE" || r.Source != discover.SourceBuiltin || r.Servers[0].Host != "imap.web.de" || !strings.HasPrefix(r.Note, "Switch on") {
		t.Errorf("discover --json = %+v", r)
	}
	code, stdout, _ = run(t, Env{Discoverer: localDiscoverer(t)}, "discover", "--json", "bob@nowhere.example")
	var nf struct {
		Error string
		Tried []discover.Attempt
	}
	if err := json.Unmarshal([]byte(stdout), &nf); err != nil || code != 1 || len(nf.Tried) != 6 {
		t.Errorf("discover --json (not found) = %d, %v, %+v", code, err, nf)
	}
}

// noDNS and noDial are a machine without network.
type noDNS struct{}

func (noDNS) LookupSRV(_ context.Context, _, _, name string) (string, []*net.SRV, error) {
	return "", nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (noDNS) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

type noDial struct{}

func (noDial) DialContext(_ context.Context, _, addr string) (net.Conn, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("network is unreachable")}
}

// routeDialer sends the probes of listed addresses to local servers and
// refuses the rest.
type routeDialer map[string]string

func (d routeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if to, ok := d[addr]; ok {
		var nd net.Dialer
		return nd.DialContext(ctx, network, to)
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
}

// TestDiscoverPlaintextOnly: a server that speaks IMAP only without
// encryption is not offered, but named, with the flag that offers it.
func TestDiscoverPlaintextOnly(t *testing.T) {
	srv, err := demo.Start(demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	d := &discover.Discoverer{AutoconfigURLs: []string{}, ISPDBURL: "-", Resolver: noDNS{},
		Dialer: routeDialer{"mail.example.org:143": srv.Addr}}
	for _, tt := range []struct{ locale, want string }{
		{"C.UTF-8", "mail.example.org:143 answers, but only unencrypted: idlebell discover --allow-plaintext bob@example.org offers it, for a network you trust.\n"},
		{"de_DE.UTF-8", "mail.example.org:143 antwortet, aber nur unverschlüsselt: idlebell discover --allow-plaintext bob@example.org bietet ihn an, für ein Netz, dem Sie vertrauen.\n"},
	} {
		i18ntest.Use(t, tt.locale)
		code, stdout, _ := run(t, Env{Discoverer: d}, "discover", "bob@example.org")
		if code != 1 || !strings.Contains(stdout, tt.want) {
			t.Errorf("%s: idlebell discover = %d\n%s\nwant 1 and the line\n%s", tt.locale, code, stdout, tt.want)
		}
	}
}

// TestFlagsAfterArguments: a flag after the address counts, as people
// type it (`idlebell discover max@gmx.de --json`); after "--" nothing is
// a flag.
func TestFlagsAfterArguments(t *testing.T) {
	i18ntest.Use(t, "C.UTF-8")
	code, stdout, stderr := run(t, Env{Discoverer: localDiscoverer(t)}, "discover", "max@gmx.de", "--json")
	var r discover.Result
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || code != 0 || r.Provider != "GMX" {
		t.Errorf("discover max@gmx.de --json = %d, %v:\n%s\nstderr: %s", code, err, stdout, stderr)
	}
	code, _, stderr = run(t, Env{Discoverer: localDiscoverer(t)}, "discover", "--", "--json")
	if code != exitUsage || !strings.Contains(stderr, "“--json” is not a mail address") {
		t.Errorf("discover -- --json = %d, stderr %q; want the argument taken as the address", code, stderr)
	}
}
