// Package discover finds the IMAP server of a mail address, the way mail
// clients fill in host, port and security from the address alone. It tries,
// in order, and the first source that answers wins:
//
//  1. a built-in table of the big providers (no network);
//  2. Mozilla autoconfig: https://autoconfig.DOMAIN/mail/config-v1.1.xml,
//     then https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml;
//  3. Thunderbird's ISPDB (https://autoconfig.thunderbird.net/v1.1/DOMAIN);
//  4. DNS SRV records of RFC 6186: _imaps._tcp.DOMAIN, then _imap._tcp.DOMAIN;
//  5. the domain's MX hosts, when they belong to a provider of the table
//     (a Google Workspace or Microsoft 365 domain, say);
//  6. probes of imap.DOMAIN, mail.DOMAIN and DOMAIN on port 993 (TLS) and
//     143 (STARTTLS).
//
// Every network step has its own short timeout, and a source that fails or
// times out falls through to the next. Only servers reached over TLS or
// STARTTLS are offered; a server that speaks only plaintext is offered when
// Discoverer.AllowPlaintext is set (the settings window's checkbox). No
// credentials are sent: the caller logs in with what it found.
//
// The package imports neither Fyne nor the watcher; the network (HTTP base
// URLs, DNS resolver, dialer, roots) is injectable, so tests point every
// source at local servers.
package discover

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"idlebell/i18n"
	"idlebell/settings"
)

// Source names where a Result came from.
type Source string

// The sources, in the order Discover tries them.
const (
	SourceBuiltin    Source = "builtin"    // the table in this package
	SourceAutoconfig Source = "autoconfig" // the domain's own config-v1.1.xml
	SourceISPDB      Source = "ispdb"      // Thunderbird's database
	SourceSRV        Source = "srv"        // RFC 6186 DNS records
	SourceMX         Source = "mx"         // the domain's MX hosts matched a provider
	SourceProbe      Source = "probe"      // a server answered on a guessed name
)

// Server is one way to reach the mailbox, as settings' fields spell it.
type Server struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Security string `json:"security"` // settings.SecurityTLS, SecurityStartTLS or SecurityNone
	Username string `json:"username"`
	// Auth is settings.AuthPassword or settings.AuthOAuth2; OAuthProvider
	// is settings.ProviderGoogle or ProviderMicrosoft with OAuth2.
	Auth          string `json:"auth"`
	OAuthProvider string `json:"oauth_provider,omitempty"`
	// Certificate is set when a probe reached the server but could not
	// verify its certificate (self-signed, expired, another name): the
	// user may trust it. Certificate.Err says why.
	Certificate *Certificate `json:"certificate,omitempty"`
}

// Certificate is a server certificate a probe could not verify.
type Certificate struct {
	Cert *x509.Certificate `json:"-"`
	Err  error             `json:"-"`
	// Problem is Err's text, for JSON.
	Problem string `json:"problem"`
}

// Attempt is one source tried: what was asked and why it gave nothing.
// Reason says it to people; the fields stay English for JSON.
type Attempt struct {
	Source Source `json:"source"`
	Where  string `json:"where"` // URL, DNS name or host:port
	Cause  Cause  `json:"cause"`
	// Detail is what Reason names besides the cause: an HTTP status code
	// ("404"), the MX hosts ("mx.example.net"); often empty.
	Detail string `json:"detail,omitempty"`
	Err    string `json:"error"` // the English error, for programs and bug reports
}

// Result is what Discover found.
type Result struct {
	Address  string `json:"address"`
	Provider string `json:"provider"` // "GMX", or the domain when unknown
	Source   Source `json:"source"`
	Where    string `json:"where"` // the URL, DNS name or host:port that answered
	// Servers are the ways in, best first; never empty.
	Servers []Server `json:"servers"`
	// Note is the provider's advice a person needs before login works,
	// in English ("Switch on IMAP in GMX's web settings first."): the
	// fronts show i18n.Translate(Note).
	Note string `json:"note,omitempty"`
	// Tried lists the sources that came before and gave nothing.
	Tried []Attempt `json:"tried,omitempty"`
}

// Resolver is the DNS a Discoverer asks; *net.Resolver is one.
type Resolver interface {
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
}

// Dialer opens the probes' TCP connections; *net.Dialer is one.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Default URLs, with {domain} and {email} filled in (query-escaped).
const (
	DefaultAutoconfigURL = "https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={email}"
	DefaultWellKnownURL  = "https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress={email}"
	DefaultISPDBURL      = "https://autoconfig.thunderbird.net/v1.1/{domain}"
)

// DefaultTimeout bounds each network step: one HTTP request, one DNS
// question, one probe.
const DefaultTimeout = 5 * time.Second

// Discoverer holds the sources; the zero value uses the real network.
// Its methods are safe to call from several goroutines at once.
type Discoverer struct {
	// AutoconfigURLs are asked in order; nil means DefaultAutoconfigURL
	// and DefaultWellKnownURL. ISPDBURL empty means DefaultISPDBURL; "-"
	// skips the ISPDB.
	AutoconfigURLs []string
	ISPDBURL       string
	HTTPClient     *http.Client // nil: http.DefaultTransport; never follows a redirect from https to http
	Resolver       Resolver     // nil: net.DefaultResolver
	Dialer         Dialer       // nil: a net.Dialer
	RootCAs        *x509.CertPool
	// Timeout bounds each network step; 0 means DefaultTimeout.
	Timeout time.Duration
	// AllowPlaintext lets probes offer a server that speaks IMAP without
	// TLS or STARTTLS.
	AllowPlaintext bool
	// SkipNetwork stops after the built-in table.
	SkipNetwork bool
}

// ErrNotFound is returned, wrapped with what was tried, when no source knew
// the address's server.
var ErrNotFound = errors.New("no IMAP server found")

// ErrAddress is returned for a string that is not a mail address.
var ErrAddress = errors.New("not a mail address")

// errNotInTable is the built-in table's answer for a domain it lacks.
var errNotInTable = fail(CauseNotInTable, "", errors.New("not a provider idlebell knows"))

// NotFoundError is ErrNotFound with every source tried.
type NotFoundError struct {
	Address string
	Tried   []Attempt
	// Plaintext are the servers a probe found that speak IMAP only
	// without encryption, not offered without Discoverer.AllowPlaintext
	// (Security is settings.SecurityNone, Username filled in): the fronts
	// name them, so that a user on a network they trust can choose one.
	Plaintext []Server
	// Offline: no source reached the network. Every name failed to
	// resolve or had no route, the ISPDB's host (which exists) too: the
	// computer seems to be offline, and the fronts say so instead of
	// blaming the domain. The built-in table needs no network and was
	// asked first.
	Offline bool
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no IMAP server found for %s (%d attempts)", e.Address, len(e.Tried))
}

func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Discover returns the IMAP server of address ("alice@example.org"),
// trying the sources in the package's order. It returns a *NotFoundError
// when none answers and ctx's error when ctx ends first. Each network step
// is bounded by d.Timeout; the whole takes at most a few of them, since
// probes run side by side.
func (d *Discoverer) Discover(ctx context.Context, address string) (*Result, error) {
	local, domain, err := splitAddress(address)
	if err != nil {
		return nil, err
	}
	res := &Result{Address: address}
	found := func(src Source, where string, r *Result) (*Result, error) {
		r.Address, r.Source, r.Where, r.Tried = address, src, where, res.Tried
		if r.Provider == "" {
			r.Provider = domain
		}
		for i := range r.Servers {
			r.Servers[i].Username = expandUsername(r.Servers[i].Username, address, local, domain)
			if r.Servers[i].Auth == "" {
				r.Servers[i].Auth = settings.AuthPassword
			}
		}
		return r, nil
	}
	fail := func(src Source, where string, err error) {
		res.Tried = append(res.Tried, attempt(src, where, err))
	}

	if p := lookupDomain(domain); p != nil {
		return found(SourceBuiltin, domain, p.result())
	}
	fail(SourceBuiltin, domain, errNotInTable)
	if d.SkipNetwork {
		return nil, &NotFoundError{Address: address, Tried: res.Tried}
	}

	type step struct {
		src  Source
		run  func(context.Context) (*Result, string, error)
		skip bool
	}
	steps := []step{}
	for _, u := range d.autoconfigURLs() {
		u := fill(u, domain, address)
		steps = append(steps, step{src: SourceAutoconfig, run: func(ctx context.Context) (*Result, string, error) {
			r, err := d.fetchConfig(ctx, u)
			return r, u, err
		}})
	}
	if ispdb := d.ispdbURL(); ispdb != "-" {
		u := fill(ispdb, domain, address)
		steps = append(steps, step{src: SourceISPDB, run: func(ctx context.Context) (*Result, string, error) {
			r, err := d.fetchConfig(ctx, u)
			return r, u, err
		}})
	}
	for _, service := range []string{"imaps", "imap"} {
		service := service
		steps = append(steps, step{src: SourceSRV, run: func(ctx context.Context) (*Result, string, error) {
			return d.lookupSRV(ctx, service, domain)
		}})
	}
	steps = append(steps, step{src: SourceMX, run: func(ctx context.Context) (*Result, string, error) {
		return d.lookupMX(ctx, domain)
	}})
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sctx, cancel := context.WithTimeout(ctx, d.timeout())
		r, where, err := s.run(sctx)
		cancel()
		if err == nil {
			return found(s.src, where, r)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		fail(s.src, where, err)
	}
	r, where, failed := d.probe(ctx, domain)
	if r != nil {
		return found(SourceProbe, where, r)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	nf := &NotFoundError{Address: address, Tried: append(res.Tried, failed...)}
	nf.Offline = seemsOffline(nf.Tried)
	for _, a := range failed {
		if a.Cause != CausePlaintextOnly {
			continue
		}
		host, port, _ := net.SplitHostPort(a.Where)
		p, _ := strconv.Atoi(port)
		nf.Plaintext = append(nf.Plaintext, Server{Host: host, Port: p, Security: settings.SecurityNone,
			Username: expandUsername("", address, local, domain), Auth: settings.AuthPassword})
	}
	return nil, nf
}

// seemsOffline reports whether tried shows a computer without network rather
// than a domain without an IMAP server: every network step failed for
// want of a name, an answer or a route, the ISPDB's too, whose host
// (autoconfig.thunderbird.net) exists — a resolver cut off from the
// network may well say "no such host" for every name. Without the ISPDB
// nothing tells the two apart, and it is false.
func seemsOffline(tried []Attempt) bool {
	asked, canary := false, false
	for _, a := range tried {
		if a.Source == SourceBuiltin {
			continue
		}
		asked = true
		switch a.Cause {
		case CauseNoSuchHost, CauseDNSFailed, CauseUnreachable, CauseTimeout:
			if a.Source == SourceISPDB {
				canary = true
			}
		case CauseNoRecord:
		default:
			return false // something answered
		}
	}
	return asked && canary
}

// Builtin returns what the built-in table says about address, without any
// network step, or nil when its domain is not in the table.
func Builtin(address string) *Result {
	r, err := (&Discoverer{SkipNetwork: true}).Discover(context.Background(), address)
	if err != nil {
		return nil
	}
	return r
}

func (d *Discoverer) timeout() time.Duration {
	if d.Timeout > 0 {
		return d.Timeout
	}
	return DefaultTimeout
}

func (d *Discoverer) autoconfigURLs() []string {
	if d.AutoconfigURLs != nil {
		return d.AutoconfigURLs
	}
	return []string{DefaultAutoconfigURL, DefaultWellKnownURL}
}

func (d *Discoverer) ispdbURL() string {
	if d.ISPDBURL != "" {
		return d.ISPDBURL
	}
	return DefaultISPDBURL
}

func (d *Discoverer) resolver() Resolver {
	if d.Resolver != nil {
		return d.Resolver
	}
	return net.DefaultResolver
}

func (d *Discoverer) dialer() Dialer {
	if d.Dialer != nil {
		return d.Dialer
	}
	return &net.Dialer{KeepAlive: -1}
}

// SecurityName is a security setting as people read it: "SSL/TLS",
// "STARTTLS" or "unencrypted", in the user's language.
func SecurityName(security string) string {
	switch security {
	case settings.SecurityTLS:
		return i18n.T("SSL/TLS")
	case settings.SecurityStartTLS:
		return i18n.T("STARTTLS")
	}
	return i18n.T("unencrypted")
}

// CheckAddress returns an error wrapping ErrAddress when address is not a
// mail address Discover can look up (local@domain.tld), and nil when it is.
func CheckAddress(address string) error {
	_, _, err := splitAddress(address)
	return err
}

// splitAddress checks that address is local@domain with a plausible
// domain and returns the parts, the domain in lower case without a final dot.
func splitAddress(address string) (local, domain string, err error) {
	i := strings.LastIndexByte(address, '@')
	if i <= 0 || i == len(address)-1 || strings.ContainsAny(address, " \t\r\n<>") {
		return "", "", fmt.Errorf("%w: %q", ErrAddress, address)
	}
	local, domain = address[:i], strings.TrimSuffix(strings.ToLower(address[i+1:]), ".")
	if !strings.Contains(domain, ".") && domain != "localhost" {
		return "", "", fmt.Errorf("%w: %q has no domain such as example.org", ErrAddress, address)
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" && !isIDN(label) {
			return "", "", fmt.Errorf("%w: %q is not a domain name", ErrAddress, domain)
		}
	}
	return local, domain, nil
}

// isIDN accepts non-ASCII labels (bücher.de): the resolver and the HTTP
// client take them as they are.
func isIDN(label string) bool {
	for _, r := range label {
		if r > 127 {
			return true
		}
	}
	return false
}

// expandUsername fills in Mozilla's placeholders: %EMAILADDRESS%,
// %EMAILLOCALPART%, %EMAILDOMAIN%. Empty means the address.
func expandUsername(pattern, address, local, domain string) string {
	if pattern == "" {
		return address
	}
	return strings.NewReplacer("%EMAILADDRESS%", address, "%EMAILLOCALPART%", local, "%EMAILDOMAIN%", domain).Replace(pattern)
}
