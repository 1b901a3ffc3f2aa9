package discover

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"idlebell/i18n/i18ntest"
)

// stubResolver answers from maps; anything else is "no such host".
type stubResolver struct {
	srv map[string][]*net.SRV // by "_service._tcp.domain"
	mx  map[string][]*net.MX
	// hang makes every question wait for its context.
	hang bool

	mu    sync.Mutex
	asked []string
}

func (r *stubResolver) record(q string) {
	r.mu.Lock()
	r.asked = append(r.asked, q)
	r.mu.Unlock()
}

func (r *stubResolver) LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error) {
	q := "_" + service + "._" + proto + "." + name
	r.record(q)
	if r.hang {
		<-ctx.Done()
		return "", nil, ctx.Err()
	}
	if a, ok := r.srv[q]; ok {
		return q, a, nil
	}
	return "", nil, &net.DNSError{Err: "no such host", Name: q, IsNotFound: true}
}

func (r *stubResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	r.record("MX " + name)
	if r.hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if a, ok := r.mx[name]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// stubDialer connects host:port to the address routes names, and refuses
// the rest as an unreachable host would.
type stubDialer struct {
	routes map[string]string
	fails  map[string]error // host:port → the dial's error
	mu     sync.Mutex
	dialed []string
}

func (d *stubDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.dialed = append(d.dialed, addr)
	d.mu.Unlock()
	if to, ok := d.routes[addr]; ok {
		var nd net.Dialer
		return nd.DialContext(ctx, network, to)
	}
	if err, ok := d.fails[addr]; ok {
		return nil, err
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
}

// offline is a Discoverer on which any network step fails the test.
func offline(t *testing.T) *Discoverer {
	return &Discoverer{
		AutoconfigURLs: []string{"http://192.0.2.1/never"},
		ISPDBURL:       "-",
		HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			t.Errorf("HTTP request to %s", r.URL)
			return nil, errors.New("offline")
		})},
		Resolver: &failResolver{t},
		Dialer:   &failDialer{t},
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type failResolver struct{ t *testing.T }

func (r *failResolver) LookupSRV(_ context.Context, s, p, n string) (string, []*net.SRV, error) {
	r.t.Errorf("DNS SRV question for %s", n)
	return "", nil, errors.New("offline")
}

func (r *failResolver) LookupMX(_ context.Context, n string) ([]*net.MX, error) {
	r.t.Errorf("DNS MX question for %s", n)
	return nil, errors.New("offline")
}

type failDialer struct{ t *testing.T }

func (d *failDialer) DialContext(_ context.Context, _, addr string) (net.Conn, error) {
	d.t.Errorf("dial %s", addr)
	return nil, errors.New("offline")
}

// TestBuiltinProviders answers for the big providers without any network
// step: the machine may be offline.
func TestBuiltinProviders(t *testing.T) {
	tests := []struct {
		address, provider, host string
		port                    int
		security, username      string
		auth, oauth             string
	}{
		{"alice@gmail.com", "Gmail", "imap.gmail.com", 993, "tls", "alice@gmail.com", "oauth2", "google"},
		{"Alice@GoogleMail.com", "Gmail", "imap.gmail.com", 993, "tls", "Alice@GoogleMail.com", "oauth2", "google"},
		{"bob@outlook.com", "Outlook.com", "outlook.office365.com", 993, "tls", "bob@outlook.com", "oauth2", "microsoft"},
		{"bob@hotmail.de", "Outlook.com", "outlook.office365.com", 993, "tls", "bob@hotmail.de", "oauth2", "microsoft"},
		{"c@yahoo.de", "Yahoo", "imap.mail.yahoo.com", 993, "tls", "c@yahoo.de", "password", ""},
		{"emily@icloud.com", "iCloud", "imap.mail.me.com", 993, "tls", "emily", "password", ""},
		{"max@gmx.de", "GMX", "imap.gmx.net", 993, "tls", "max@gmx.de", "password", ""},
		{"max@gmx.net", "GMX", "imap.gmx.net", 993, "tls", "max@gmx.net", "password", ""},
		{"max@gmx.com", "GMX", "imap.gmx.com", 993, "tls", "max@gmx.com", "password", ""},
		{"erika@web.de", "WEB.DE", "imap.web.de", 993, "tls", "erika@web.de", "password", ""},
		{"hans@t-online.de", "T-Online", "secureimap.t-online.de", 993, "tls", "hans@t-online.de", "password", ""},
		{"jo@freenet.de", "freenet", "mx.freenet.de", 993, "tls", "jo@freenet.de", "password", ""},
		{"p@posteo.de", "Posteo", "posteo.de", 993, "tls", "p@posteo.de", "password", ""},
		{"p@posteo.net", "Posteo", "posteo.de", 993, "tls", "p@posteo.net", "password", ""},
		{"m@mailbox.org", "mailbox.org", "imap.mailbox.org", 993, "tls", "m@mailbox.org", "password", ""},
		{"f@fastmail.com", "Fastmail", "imap.fastmail.com", 993, "tls", "f@fastmail.com", "password", ""},
		{"x@proton.me", "Proton Mail Bridge", "127.0.0.1", 1143, "starttls", "x@proton.me", "password", ""},
		{"x@pm.me", "Proton Mail Bridge", "127.0.0.1", 1143, "starttls", "x@pm.me", "password", ""},
		{"z@zoho.com", "Zoho Mail", "imap.zoho.com", 993, "tls", "z@zoho.com", "password", ""},
		{"z@zohomail.eu", "Zoho Mail", "imap.zoho.eu", 993, "tls", "z@zohomail.eu", "password", ""},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			r, err := offline(t).Discover(context.Background(), tt.address)
			if err != nil {
				t.Fatalf("Discover(%q): %v", tt.address, err)
			}
			s := r.Servers[0]
			got := fmt.Sprintf("%s %s:%d %s %s %s %s %s", r.Provider, s.Host, s.Port, s.Security, s.Username, s.Auth, s.OAuthProvider, r.Source)
			want := fmt.Sprintf("%s %s:%d %s %s %s %s builtin", tt.provider, tt.host, tt.port, tt.security, tt.username, tt.auth, tt.oauth)
			if got != want {
				t.Errorf("Discover(%q) = %s, want %s", tt.address, got, want)
			}
			if b := Builtin(tt.address); b == nil || b.Servers[0] != s {
				t.Errorf("Builtin(%q) = %+v, want the same as Discover", tt.address, b)
			}
		})
	}
}

func TestBadAddress(t *testing.T) {
	for _, a := range []string{"", "alice", "alice@", "@example.org", "alice@example", "a b@example.org", "alice@exa..mple.org", "alice@exa_mple.org"} {
		if _, err := offline(t).Discover(context.Background(), a); !errors.Is(err, ErrAddress) {
			t.Errorf("Discover(%q) = %v, want ErrAddress", a, err)
		}
	}
}

// configXML is a config-v1.1.xml with one incoming server.
func configXML(host, port, socket, username string, auths ...string) string {
	var a strings.Builder
	for _, x := range auths {
		a.WriteString("<authentication>" + x + "</authentication>")
	}
	return `<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="example.org">
  <domain>example.org</domain><displayName>Example Mail</displayName><displayShortName>Example</displayShortName>
  <incomingServer type="pop3"><hostname>pop.example.org</hostname><port>995</port><socketType>SSL</socketType></incomingServer>
  <incomingServer type="imap"><hostname>` + host + `</hostname><port>` + port + `</port><socketType>` + socket +
		`</socketType><username>` + username + `</username>` + a.String() + `</incomingServer>
</emailProvider></clientConfig>`
}

// world is a set of local sources: an HTTP server with paths per source
// and a stub resolver.
type world struct {
	mu    sync.Mutex
	pages map[string]string // path → body; missing is 404
	hang  map[string]bool   // path → wait for the request's context
	srv   *httptest.Server
	dns   *stubResolver
	dial  *stubDialer
}

func newWorld(t *testing.T) *world {
	w := &world{pages: map[string]string{}, hang: map[string]bool{}, dns: &stubResolver{}, dial: &stubDialer{}}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		body, ok := w.pages[r.URL.Path]
		hang := w.hang[r.URL.Path]
		w.mu.Unlock()
		if hang {
			<-r.Context().Done()
			return
		}
		if !ok {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(rw, body)
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *world) discoverer() *Discoverer {
	return &Discoverer{
		AutoconfigURLs: []string{w.srv.URL + "/autoconfig/{domain}?emailaddress={email}", w.srv.URL + "/wellknown/{domain}"},
		ISPDBURL:       w.srv.URL + "/ispdb/{domain}",
		Resolver:       w.dns,
		Dialer:         w.dial,
		Timeout:        2 * time.Second,
	}
}

// TestSourcesInOrder removes one source after the other: each failure
// falls through to the next, and the result says where it came from.
func TestSourcesInOrder(t *testing.T) {
	w := newWorld(t)
	w.pages["/autoconfig/example.org"] = configXML("imap1.example.org", "993", "SSL", "%EMAILADDRESS%", "password-cleartext")
	w.pages["/wellknown/example.org"] = configXML("imap2.example.org", "143", "STARTTLS", "%EMAILLOCALPART%", "password-cleartext")
	w.pages["/ispdb/example.org"] = configXML("imap3.example.org", "993", "SSL", "%EMAILADDRESS%", "password-cleartext")
	w.dns.srv = map[string][]*net.SRV{
		"_imaps._tcp.example.org": {{Target: "imap4.example.org.", Port: 993}},
		"_imap._tcp.example.org":  {{Target: "imap5.example.org.", Port: 143}},
	}
	w.dns.mx = map[string][]*net.MX{"example.org": {{Host: "aspmx.l.google.com.", Pref: 1}}}

	steps := []struct {
		remove func()
		want   string // source host:port security username
	}{
		{func() {}, "autoconfig imap1.example.org:993 tls alice@example.org"},
		{func() { delete(w.pages, "/autoconfig/example.org") }, "autoconfig imap2.example.org:143 starttls alice"},
		{func() { delete(w.pages, "/wellknown/example.org") }, "ispdb imap3.example.org:993 tls alice@example.org"},
		{func() { delete(w.pages, "/ispdb/example.org") }, "srv imap4.example.org:993 tls alice@example.org"},
		{func() { delete(w.dns.srv, "_imaps._tcp.example.org") }, "srv imap5.example.org:143 starttls alice@example.org"},
		{func() { delete(w.dns.srv, "_imap._tcp.example.org") }, "mx imap.gmail.com:993 tls alice@example.org"},
	}
	for i, st := range steps {
		w.mu.Lock()
		st.remove()
		w.mu.Unlock()
		r, err := w.discoverer().Discover(context.Background(), "alice@example.org")
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		s := r.Servers[0]
		if got := fmt.Sprintf("%s %s:%d %s %s", r.Source, s.Host, s.Port, s.Security, s.Username); got != st.want {
			t.Errorf("step %d: Discover = %s, want %s", i, got, st.want)
		}
		if len(r.Tried) != i+1 { // the built-in table, then one per removed source
			t.Errorf("step %d: %d sources tried before, want %d: %+v", i, len(r.Tried), i+1, r.Tried)
		}
	}
	// The MX answer for a Google-hosted domain signs in with Google.
	r, _ := w.discoverer().Discover(context.Background(), "alice@example.org")
	if r.Provider != "Google Workspace" || r.Servers[0].Auth != "oauth2" || r.Servers[0].OAuthProvider != "google" {
		t.Errorf("MX result = %s %+v, want Google Workspace with OAuth2", r.Provider, r.Servers[0])
	}
	if r.Where != "aspmx.l.google.com" { // a name people read: no root dot
		t.Errorf("MX result from %q, want aspmx.l.google.com", r.Where)
	}

	// Without any source: the probes find nothing either, and the error
	// lists every attempt.
	w.dns.mx = nil
	_, err := w.discoverer().Discover(context.Background(), "alice@example.org")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("Discover with no source = %v, want a NotFoundError", err)
	}
	var srcs []string
	for _, a := range nf.Tried {
		srcs = append(srcs, string(a.Source))
	}
	if got, want := strings.Join(srcs, " "), "builtin autoconfig autoconfig ispdb srv srv mx"+strings.Repeat(" probe", 6); got != want {
		t.Errorf("tried %s, want %s", got, want)
	}
	if len(w.dial.dialed) != 6 {
		t.Errorf("probes dialed %q, want imap., mail. and the domain on 993 and 143", w.dial.dialed)
	}
}

// TestTimeoutsFallThrough makes every HTTP source and DNS hang: each is cut
// off by the step timeout and the next is asked.
func TestTimeoutsFallThrough(t *testing.T) {
	w := newWorld(t)
	for _, p := range []string{"/autoconfig/example.org", "/wellknown/example.org", "/ispdb/example.org"} {
		w.hang[p] = true
	}
	w.dns.hang = true
	d := w.discoverer()
	d.Timeout = 50 * time.Millisecond
	_, err := d.Discover(context.Background(), "alice@example.org")
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("Discover = %v, want NotFoundError", err)
	}
	for _, a := range nf.Tried[1:7] {
		if a.Cause != CauseTimeout {
			t.Errorf("%s %s: %s (%s), want a timeout", a.Source, a.Where, a.Cause, a.Err)
		}
	}
	if got := len(w.dns.asked); got != 3 {
		t.Errorf("DNS questions %q, want SRV imaps, SRV imap, MX", w.dns.asked)
	}
}

// TestCallerCancels stops at once when the caller's context ends.
func TestCallerCancels(t *testing.T) {
	w := newWorld(t)
	w.hang["/autoconfig/example.org"] = true
	d := w.discoverer()
	d.Timeout = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := d.Discover(ctx, "alice@example.org")
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Discover after cancel = %v, want context.Canceled", err)
	}
}

func TestConfigFiles(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		plaintext bool
		want      string // servers as host:port security auth/provider, or the error
	}{
		{"ssl", configXML("imap.example.org", "993", "SSL", "%EMAILADDRESS%", "password-cleartext"), false, "imap.example.org:993 tls password"},
		{"plain refused", configXML("imap.example.org", "143", "plain", "", "password-cleartext"), false, "error: no usable IMAP server (imap.example.org: plaintext only)"},
		{"plain allowed", configXML("imap.example.org", "143", "plain", "", "password-cleartext"), true, "imap.example.org:143 none password"},
		{"oauth gmail", configXML("imap.gmail.com", "993", "SSL", "", "OAuth2", "password-cleartext"), false, "imap.gmail.com:993 tls oauth2/google imap.gmail.com:993 tls password"},
		{"oauth unknown", configXML("imap.example.org", "993", "SSL", "", "OAuth2"), false, "error: no usable IMAP server (imap.example.org: no login method idlebell supports (OAuth2))"},
		{"no port", configXML("imap.example.org", "x", "SSL", ""), false, "error: no usable IMAP server (imap.example.org: no valid port)"},
		{"not xml", "<html>hello", false, "error: not an autoconfig file"},
		{"no imap", `<clientConfig><emailProvider></emailProvider></clientConfig>`, false, "error: no IMAP server in the config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Discoverer{AllowPlaintext: tt.plaintext}
			r, err := d.parseConfig([]byte(tt.body))
			var got string
			if err != nil {
				got = "error: " + err.Error()
			} else {
				var parts []string
				for _, s := range r.Servers {
					a := s.Auth
					if s.OAuthProvider != "" {
						a += "/" + s.OAuthProvider
					}
					parts = append(parts, fmt.Sprintf("%s:%d %s %s", s.Host, s.Port, s.Security, a))
				}
				got = strings.Join(parts, " ")
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("parseConfig = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestConfigLimits refuses an endless config and a redirect from https to
// http, where anyone on the path could name another server.
func TestConfigLimits(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		fmt.Fprint(rw, configXML("evil.example.net", "993", "SSL", ""))
	}))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			rw.Write([]byte("<clientConfig>"))
			chunk := []byte(strings.Repeat("<!-- padding -->", 1024))
			for i := 0; i < maxConfigSize/len(chunk)+2; i++ {
				rw.Write(chunk)
			}
			return
		}
		http.Redirect(rw, r, plain.URL+"/config", http.StatusFound)
	}))
	defer secure.Close()
	d := &Discoverer{HTTPClient: secure.Client()}
	if _, err := d.fetchConfig(context.Background(), secure.URL+"/big"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("fetchConfig(big) = %v, want a size error", err)
	} else if c, _ := causeOf(err); c != CauseBadConfig {
		t.Errorf("fetchConfig(big): cause %s, want %s", c, CauseBadConfig)
	}
	if _, err := d.fetchConfig(context.Background(), secure.URL+"/redirect"); err == nil || !strings.Contains(err.Error(), "refused redirect") {
		t.Errorf("fetchConfig(redirect to http) = %v, want refused", err)
	} else if c, _ := causeOf(err); c != CauseInsecureRedirect {
		t.Errorf("fetchConfig(redirect to http): cause %s, want %s", c, CauseInsecureRedirect)
	}
}

func TestCheckAddress(t *testing.T) {
	for a, ok := range map[string]bool{"max@gmx.de": true, "a@localhost": true, "bücher@bücher.de": true, "max": false, "max@gmx": false, "@gmx.de": false} {
		if err := CheckAddress(a); (err == nil) != ok || (err != nil && !errors.Is(err, ErrAddress)) {
			t.Errorf("CheckAddress(%q) = %v, want ok %v", a, err, ok)
		}
	}
}

// TestAttemptCauses gives every source a different way to fail, each from
// a local server where one can: every attempt has its typed cause and a
// short reason that names nothing the line already says.
func TestAttemptCauses(t *testing.T) {
	i18ntest.Use(t, "C.UTF-8")
	w := newWorld(t)
	busy := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Error(rw, "try later", http.StatusServiceUnavailable)
	}))
	defer busy.Close()
	w.pages["/wellknown/example.org"] = `<clientConfig><emailProvider></emailProvider></clientConfig>`
	w.pages["/ispdb/example.org"] = configXML("imap.example.org", "143", "plain", "")
	w.dns.srv = map[string][]*net.SRV{"_imaps._tcp.example.org": {{Target: ".", Port: 0}}}
	w.dns.mx = map[string][]*net.MX{"example.org": {{Host: "mx1.example.net.", Pref: 10}, {Host: "mx2.example.net.", Pref: 20}}}

	hangUp := listen(t, func(c net.Conn) { c.Close() })
	notIMAP := listen(t, func(c net.Conn) {
		io.WriteString(c, "SSH-2.0-OpenSSH_9.2\r\n")
		io.Copy(io.Discard, c) // until the probe hangs up
		c.Close()
	})
	w.dial.routes = map[string]string{"imap.example.org:993": hangUp, "imap.example.org:143": notIMAP}
	w.dial.fails = map[string]error{
		"mail.example.org:993": &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)},
		"mail.example.org:143": &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)},
	}
	d := w.discoverer()
	d.AutoconfigURLs = []string{busy.URL + "/{domain}", w.srv.URL + "/wellknown/{domain}"}
	_, err := d.Discover(context.Background(), "alice@example.org")
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("Discover = %v, want NotFoundError", err)
	}
	var got []string
	for _, a := range nf.Tried {
		got = append(got, fmt.Sprintf("%s %s: %s", a.Source, a.Cause, a.Reason()))
	}
	want := []string{
		"builtin not_in_table: not in idlebell's table of providers",
		"autoconfig http_status: the web server answered HTTP 503",
		"autoconfig no_imap_server: names no IMAP server",
		"ispdb no_usable_server: names no IMAP server idlebell can use",
		"srv no_service: the domain says it offers no IMAP",
		"srv no_record: no such record",
		"mx unknown_mx: mail goes to mx1.example.net, mx2.example.net, not a provider idlebell knows",
		"probe closed: the connection was closed",
		"probe not_imap: answers, but not as an IMAP server",
		"probe unreachable: unreachable",
		"probe refused: connection refused",
		"probe other: failed: dial tcp: connection refused",
		"probe other: failed: dial tcp: connection refused",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Discover tried\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// listen serves each connection to 127.0.0.1:0 with serve until the test
// ends, and returns the address.
func listen(t *testing.T, serve func(net.Conn)) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() { // ends when the listener closes at cleanup
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			serve(c)
		}
	}()
	return l.Addr().String()
}

// noNetwork is a computer without network, as the resolver and the dialer
// see it: every name is unknown (a resolver cut off from its upstream
// says so for autoconfig.thunderbird.net too), or, with noRoute, every
// packet has no route.
type noNetwork struct{ noRoute bool }

func (n noNetwork) err(name string) error {
	if n.noRoute {
		return &net.DNSError{Err: "dial udp 192.0.2.53:53: connect: network is unreachable", Name: name}
	}
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (n noNetwork) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	return "", nil, n.err("_" + service + "._" + proto + "." + name)
}

func (n noNetwork) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	return nil, n.err(name)
}

func (n noNetwork) DialContext(_ context.Context, network, addr string) (net.Conn, error) {
	host, _, _ := net.SplitHostPort(addr)
	if n.noRoute {
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: n.err(host)}
}

// offlineDiscoverer asks the real sources' names (the ISPDB at
// autoconfig.thunderbird.net) of a computer without network.
func offlineDiscoverer(n noNetwork) *Discoverer {
	return &Discoverer{
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: n.DialContext}},
		Resolver:   n, Dialer: n, Timeout: time.Second,
	}
}

// TestOffline: when no source reaches the network — no name resolves, the
// ISPDB's host included, or nothing has a route — the NotFoundError says
// the computer seems offline; a domain that has no server while the ISPDB
// answers is not offline; the built-in table answers without network.
func TestOffline(t *testing.T) {
	for _, n := range []noNetwork{{}, {noRoute: true}} {
		_, err := offlineDiscoverer(n).Discover(context.Background(), "max@unknown-domain.example")
		var nf *NotFoundError
		if !errors.As(err, &nf) || !nf.Offline {
			t.Errorf("no route %v: Discover = %v (%+v), want a NotFoundError that says offline", n.noRoute, err, nf)
		}
		if r, err := offlineDiscoverer(n).Discover(context.Background(), "max@gmx.de"); err != nil || r.Servers[0].Host != "imap.gmx.net" {
			t.Errorf("no route %v: Discover(gmx.de) = %+v, %v, want the built-in answer", n.noRoute, r, err)
		}
	}
	// Online, the domain has nothing: the ISPDB answers 404.
	ispdb := httptest.NewServer(http.NotFoundHandler())
	defer ispdb.Close()
	d := offlineDiscoverer(noNetwork{})
	ispdbAddr := strings.TrimPrefix(ispdb.URL, "http://")
	d.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == ispdbAddr {
			var nd net.Dialer
			return nd.DialContext(ctx, network, addr)
		}
		return noNetwork{}.DialContext(ctx, network, addr)
	}}}
	d.ISPDBURL = ispdb.URL + "/v1.1/{domain}"
	_, err := d.Discover(context.Background(), "max@unknown-domain.example")
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Offline {
		t.Errorf("ISPDB answers: Discover = %v (%+v), want a NotFoundError that does not say offline", err, nf)
	}
}
