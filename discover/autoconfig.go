package discover

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"idlebell/settings"
)

// maxConfigSize bounds a config-v1.1.xml; real ones are a few KB.
const maxConfigSize = 1 << 20

// clientConfig is the part of Mozilla's config-v1.1.xml idlebell reads
// (https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat).
type clientConfig struct {
	XMLName  xml.Name `xml:"clientConfig"`
	Provider struct {
		Domains          []string       `xml:"domain"`
		DisplayName      string         `xml:"displayName"`
		DisplayShortName string         `xml:"displayShortName"`
		Incoming         []serverConfig `xml:"incomingServer"`
	} `xml:"emailProvider"`
}

type serverConfig struct {
	Type           string   `xml:"type,attr"`
	Hostname       string   `xml:"hostname"`
	Port           string   `xml:"port"`
	SocketType     string   `xml:"socketType"`
	Username       string   `xml:"username"`
	Authentication []string `xml:"authentication"`
}

// fill puts domain and the query-escaped address into a URL template.
func fill(template, domain, address string) string {
	return strings.NewReplacer("{domain}", domain, "{email}", url.QueryEscape(address)).Replace(template)
}

// httpClient is d.HTTPClient, or a plain client, that never follows a
// redirect from https to http.
func (d *Discoverer) httpClient() *http.Client {
	c := &http.Client{}
	if d.HTTPClient != nil {
		*c = *d.HTTPClient
	}
	c.CheckRedirect = noDowngrade
	return c
}

// Redirects fetchConfig does not follow.
var (
	errTooManyRedirects = errors.New("too many redirects")
	errInsecureRedirect = errors.New("refused redirect from https to http")
)

// noDowngrade follows at most five redirects and never from https to
// http: a config fetched in clear text could send the password anywhere.
func noDowngrade(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errTooManyRedirects
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: %s", errInsecureRedirect, req.URL.Redacted())
	}
	return nil
}

// fetchConfig reads a config-v1.1.xml from u and returns its IMAP servers.
func (d *Discoverer) fetchConfig(ctx context.Context, u string) (*Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/xml, text/xml")
	resp, err := d.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch code := strconv.Itoa(resp.StatusCode); resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		return nil, fail(CauseNotFound, code, fmt.Errorf("HTTP %s", resp.Status))
	default:
		return nil, fail(CauseHTTPStatus, code, fmt.Errorf("HTTP %s", resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxConfigSize+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxConfigSize {
		return nil, fail(CauseBadConfig, "", fmt.Errorf("config larger than %d bytes", maxConfigSize))
	}
	return d.parseConfig(body)
}

// parseConfig turns a config-v1.1.xml into a Result: its IMAP servers in
// the file's order (the provider's preference), TLS ones only unless
// plaintext is allowed.
func (d *Discoverer) parseConfig(body []byte) (*Result, error) {
	var cfg clientConfig
	if err := xml.Unmarshal(body, &cfg); err != nil {
		return nil, fail(CauseBadConfig, "", fmt.Errorf("not an autoconfig file: %w", err))
	}
	r := &Result{Provider: cfg.Provider.DisplayShortName}
	if r.Provider == "" {
		r.Provider = cfg.Provider.DisplayName
	}
	var skipped []string
	for _, s := range cfg.Provider.Incoming {
		if !strings.EqualFold(s.Type, "imap") {
			continue
		}
		srv, why := d.server(s)
		if why != "" {
			skipped = append(skipped, s.Hostname+": "+why)
			continue
		}
		r.Servers = append(r.Servers, srv...)
	}
	if len(r.Servers) == 0 {
		if len(skipped) > 0 {
			return nil, fail(CauseNoUsableServer, "", fmt.Errorf("no usable IMAP server (%s)", strings.Join(skipped, "; ")))
		}
		return nil, fail(CauseNoIMAPServer, "", errors.New("no IMAP server in the config"))
	}
	return r, nil
}

// server converts one incomingServer; why says what made it unusable.
func (d *Discoverer) server(s serverConfig) ([]Server, string) {
	host := strings.TrimSuffix(strings.TrimSpace(s.Hostname), ".")
	if host == "" || strings.ContainsAny(host, "%/ ") {
		return nil, "no host name"
	}
	port, err := strconv.Atoi(strings.TrimSpace(s.Port))
	if err != nil || port < 1 || port > 65535 {
		return nil, "no valid port"
	}
	var security string
	switch strings.ToUpper(strings.TrimSpace(s.SocketType)) {
	case "SSL", "TLS":
		security = settings.SecurityTLS
	case "STARTTLS":
		security = settings.SecurityStartTLS
	case "PLAIN":
		if !d.AllowPlaintext {
			return nil, "plaintext only"
		}
		security = settings.SecurityNone
	default:
		return nil, "unknown socketType " + strconv.Quote(s.SocketType)
	}
	base := Server{Host: host, Port: port, Security: security, Username: strings.TrimSpace(s.Username)}
	auths := s.Authentication
	if len(auths) == 0 {
		auths = []string{"password-cleartext"}
	}
	var out []Server
	for _, a := range auths {
		srv := base
		switch strings.TrimSpace(a) {
		case "password-cleartext", "plain", "password-encrypted", "secure":
			srv.Auth = settings.AuthPassword
		case "OAuth2":
			p := oauthProviderOf(host)
			if p == "" {
				continue // an OAuth2 client idlebell has no preset for
			}
			srv.Auth, srv.OAuthProvider = settings.AuthOAuth2, p
		default:
			continue
		}
		if !containsServer(out, srv) {
			out = append(out, srv)
		}
	}
	if len(out) == 0 {
		return nil, "no login method idlebell supports (" + strings.Join(auths, ", ") + ")"
	}
	return out, ""
}

// oauthProviderOf returns the OAuth2 preset whose IMAP host this is.
func oauthProviderOf(host string) string {
	for name, p := range settings.ProviderIMAP {
		if strings.EqualFold(p.Host, host) {
			return name
		}
	}
	return ""
}

func containsServer(list []Server, s Server) bool {
	for _, x := range list {
		if x.Host == s.Host && x.Port == s.Port && x.Security == s.Security && x.Auth == s.Auth {
			return true
		}
	}
	return false
}
