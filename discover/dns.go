package discover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"idlebell/settings"
)

// lookupSRV asks for _SERVICE._tcp.DOMAIN (RFC 6186 section 3.2): "imaps"
// is implicit TLS, "imap" is STARTTLS (idlebell never logs in without it
// unless plaintext is allowed). A target of "." says the service is not
// offered.
func (d *Discoverer) lookupSRV(ctx context.Context, service, domain string) (*Result, string, error) {
	name := "_" + service + "._tcp." + domain
	_, addrs, err := d.resolver().LookupSRV(ctx, service, "tcp", domain)
	if err != nil {
		return nil, name, err
	}
	security := settings.SecurityTLS
	if service == "imap" {
		security = settings.SecurityStartTLS
	}
	r := &Result{}
	for _, a := range addrs { // sorted by priority, then weight, by the resolver
		host := strings.TrimSuffix(a.Target, ".")
		if host == "" || a.Port == 0 {
			continue
		}
		r.Servers = append(r.Servers, Server{Host: host, Port: int(a.Port), Security: security})
	}
	if len(r.Servers) == 0 {
		return nil, name, errors.New("the domain says it offers no such service")
	}
	return r, name, nil
}

// lookupMX matches the domain's mail exchangers against the table: a
// domain whose MX is aspmx.l.google.com is a Google Workspace domain.
func (d *Discoverer) lookupMX(ctx context.Context, domain string) (*Result, string, error) {
	mxs, err := d.resolver().LookupMX(ctx, domain)
	if err != nil {
		return nil, domain, err
	}
	var hosts []string
	for _, mx := range mxs {
		hosts = append(hosts, strings.TrimSuffix(mx.Host, "."))
		if p := lookupMXHost(mx.Host); p != nil {
			return p.hostedResult(), strings.TrimSuffix(mx.Host, "."), nil
		}
	}
	if len(hosts) == 0 {
		return nil, domain, errors.New("no MX records")
	}
	return nil, domain, fmt.Errorf("MX %s belongs to no provider idlebell knows", strings.Join(hosts, ", "))
}

var _ Resolver = (*net.Resolver)(nil)
