package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

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
		{"not found", []string{"discover", "bob@nowhere.example"}, "C.UTF-8", 1, "No IMAP server found for bob@nowhere.example. Asked:\n  table       nowhere.example: not in idlebell's table of providers\n  autoconfig  "},
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
	if err := json.Unmarshal([]byte(stdout), &nf); err != nil || code != 1 || len(nf.Tried) != 11 { // the table, autoconfig, 2 SRV, MX, 6 guesses
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
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
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

// dnsAnswers is a resolver that answers every question with an error:
// the question ("_imaps._tcp.DOMAIN", "MX DOMAIN") picks it; unlisted
// ones do not exist.
type dnsAnswers map[string]error

func (a dnsAnswers) answer(q string) error {
	if err, ok := a[q]; ok {
		return err
	}
	return &net.DNSError{Err: "no such host", Name: q, IsNotFound: true}
}

func (a dnsAnswers) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	return "", nil, a.answer("_" + service + "._" + proto + "." + name)
}

func (a dnsAnswers) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	return nil, a.answer("MX " + name)
}

// probeWorld routes each guessed host:port to a local server or to the
// error the network gives.
type probeWorld struct {
	routes map[string]string // host:port → a local address
	fails  map[string]error  // host:port → the dial's error
}

func (w probeWorld) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if to, ok := w.routes[addr]; ok {
		var nd net.Dialer
		return nd.DialContext(ctx, network, to)
	}
	if err, ok := w.fails[addr]; ok {
		return nil, err
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}}
}

// TestDiscoverNotFoundSaysWhy: when no source knows the server, each one
// asked is one short line in the user's language that names it once and
// says why it gave nothing; --json keeps the English causes.
func TestDiscoverNotFoundSaysWhy(t *testing.T) {
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	untrusted := httptest.NewUnstartedServer(http.NotFoundHandler())
	untrusted.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes it fails
	untrusted.StartTLS()                                   // a certificate no root here signed
	defer untrusted.Close()
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><html><body>Parked domain</body></html>")
	}))
	defer page.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := closed.Addr().String()
	closed.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts and never greets
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	plain, err := demo.Start(demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()

	d := func() *discover.Discoverer {
		return &discover.Discoverer{
			AutoconfigURLs: []string{missing.URL + "/mail/config-v1.1.xml?emailaddress={email}",
				untrusted.URL + "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress={email}"},
			ISPDBURL: page.URL + "/v1.1/{domain}",
			Resolver: dnsAnswers{
				"_imap._tcp.some-domain.de": &net.DNSError{Err: "server misbehaving", Name: "_imap._tcp.some-domain.de", IsTemporary: true},
				"MX some-domain.de":         &net.DNSError{Err: "i/o timeout", Name: "some-domain.de", IsTimeout: true},
			},
			Dialer: probeWorld{routes: map[string]string{
				"imap.some-domain.de:993": refusing,
				"imap.some-domain.de:143": silent.Addr().String(),
				"some-domain.de:993":      strings.TrimPrefix(page.URL, "http://"), // no TLS there
				"some-domain.de:143":      plain.Addr,
			}},
			Timeout: time.Second, // the silent server's wait
		}
	}
	urls := strings.NewReplacer(missing.URL, "MISSING", untrusted.URL, "UNTRUSTED", page.URL, "PAGE")
	tests := []struct{ locale, want string }{
		{"C.UTF-8", `No IMAP server found for a@some-domain.de. Asked:
  table       some-domain.de: not in idlebell's table of providers
  autoconfig  MISSING/mail/config-v1.1.xml: not found (HTTP 404)
  autoconfig  UNTRUSTED/.well-known/autoconfig/mail/config-v1.1.xml: certificate not trusted
  ISPDB       PAGE/v1.1/some-domain.de: not an autoconfig file
  DNS SRV     _imaps._tcp.some-domain.de: no such record
  DNS SRV     _imap._tcp.some-domain.de: the DNS lookup failed
  DNS MX      some-domain.de: timed out
  guessed     imap.some-domain.de:993: connection refused
  guessed     imap.some-domain.de:143: timed out
  guessed     mail.some-domain.de:993: unknown host name
  guessed     mail.some-domain.de:143: unknown host name
  guessed     some-domain.de:993: TLS handshake failed
  guessed     some-domain.de:143: answers only unencrypted
`},
		{"de_DE.UTF-8", `Kein IMAP-Server für a@some-domain.de gefunden. Gefragt wurden:
  Tabelle     some-domain.de: nicht in idlebells Anbietertabelle
  Autoconfig  MISSING/mail/config-v1.1.xml: nicht gefunden (HTTP 404)
  Autoconfig  UNTRUSTED/.well-known/autoconfig/mail/config-v1.1.xml: Zertifikat nicht vertrauenswürdig
  ISPDB       PAGE/v1.1/some-domain.de: keine Autoconfig-Datei
  DNS-SRV     _imaps._tcp.some-domain.de: kein solcher Eintrag
  DNS-SRV     _imap._tcp.some-domain.de: DNS-Abfrage fehlgeschlagen
  DNS-MX      some-domain.de: Zeitüberschreitung
  vermutet    imap.some-domain.de:993: Verbindung abgelehnt
  vermutet    imap.some-domain.de:143: Zeitüberschreitung
  vermutet    mail.some-domain.de:993: Hostname unbekannt
  vermutet    mail.some-domain.de:143: Hostname unbekannt
  vermutet    some-domain.de:993: TLS-Handshake fehlgeschlagen
  vermutet    some-domain.de:143: antwortet nur unverschlüsselt
`},
	}
	for _, tt := range tests {
		i18ntest.Use(t, tt.locale)
		code, stdout, stderr := run(t, Env{Discoverer: d()}, "discover", "a@some-domain.de")
		got := urls.Replace(stdout)
		if code != exitFailed || !strings.HasPrefix(got, tt.want) {
			t.Errorf("LANG=%s idlebell discover a@some-domain.de = %d\n%s\nwant %d and the lines\n%s\nstderr: %s", tt.locale, code, got, exitFailed, tt.want, stderr)
		}
	}

	i18ntest.Use(t, "de_DE.UTF-8")
	code, stdout, _ := run(t, Env{Discoverer: d()}, "discover", "--json", "a@some-domain.de")
	var nf struct {
		Tried []struct{ Source, Where, Cause, Error string }
	}
	if err := json.Unmarshal([]byte(stdout), &nf); err != nil || code != exitFailed {
		t.Fatalf("discover --json = %d, %v:\n%s", code, err, stdout)
	}
	var causes []string
	for _, a := range nf.Tried {
		causes = append(causes, a.Cause)
		if a.Error == "" || strings.Contains(a.Error, `Get "`) {
			t.Errorf("discover --json: %s %s: error %q, want the English error without the URL again", a.Source, a.Where, a.Error)
		}
	}
	want := "not_in_table not_found certificate bad_config no_record dns_failed timeout refused timeout no_such_host no_such_host tls plaintext_only"
	if got := strings.Join(causes, " "); got != want {
		t.Errorf("discover --json: causes %s\nwant %s", got, want)
	}
}

// offlineWorld is a computer without network: no name resolves, the
// ISPDB's autoconfig.thunderbird.net included.
type offlineWorld struct{}

func (offlineWorld) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	return "", nil, &net.DNSError{Err: "no such host", Name: "_" + service + "._" + proto + "." + name, IsNotFound: true}
}

func (offlineWorld) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (offlineWorld) DialContext(_ context.Context, network, addr string) (net.Conn, error) {
	host, _, _ := net.SplitHostPort(addr)
	return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
}

// TestDiscoverOffline: without network discover says that this computer
// seems offline and to try again when it is online, in the user's
// language, and does not blame the domain or send the user to the
// provider; --json says "offline"; a big provider is still found.
func TestDiscoverOffline(t *testing.T) {
	d := func() *discover.Discoverer {
		w := offlineWorld{}
		return &discover.Discoverer{HTTPClient: &http.Client{Transport: &http.Transport{DialContext: w.DialContext}}, Resolver: w, Dialer: w}
	}
	for _, c := range []struct{ locale, offline, again, blame string }{
		{"C.UTF-8", "this computer seems to be offline", "Try again when it is online.", "Ask your provider"},
		{"de_DE.UTF-8", "Dieser Computer scheint offline zu sein", "Versuchen Sie es erneut, wenn er online ist.", "Anbieter nach"},
	} {
		i18ntest.Use(t, c.locale)
		code, stdout, _ := run(t, Env{Discoverer: d()}, "discover", "max@unknown-domain.example")
		if code != exitFailed || !strings.Contains(stdout, c.offline) || !strings.Contains(stdout, c.again) ||
			strings.Contains(stdout, c.blame) || strings.Contains(stdout, "unknown host name") || strings.Contains(stdout, "Hostname unbekannt") {
			t.Errorf("%s: discover offline = %d\n%s\nwant %q and %q, not blaming the domain", c.locale, code, stdout, c.offline, c.again)
		}
		if code, stdout, _ := run(t, Env{Discoverer: d()}, "discover", "max@gmx.de"); code != exitOK || !strings.Contains(stdout, "imap.gmx.net") {
			t.Errorf("%s: discover max@gmx.de offline = %d\n%s\nwant the built-in answer", c.locale, code, stdout)
		}
	}
	_, stdout, _ := run(t, Env{Discoverer: d()}, "discover", "--json", "max@unknown-domain.example")
	var nf struct{ Offline bool }
	if err := json.Unmarshal([]byte(stdout), &nf); err != nil || !nf.Offline {
		t.Errorf("discover --json offline: %v\n%s\nwant \"offline\": true", err, stdout)
	}
}
