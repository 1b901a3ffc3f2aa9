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
		return nil, name, notFoundIsNoRecord(err)
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
		if len(addrs) == 0 {
			return nil, name, fail(CauseNoRecord, "", errors.New("no SRV records"))
		}
		return nil, name, fail(CauseNoService, "", errors.New("the domain says it offers no such service"))
	}
	return r, name, nil
}

// lookupMX matches the domain's mail exchangers against the table: a
// domain whose MX is aspmx.l.google.com is a Google Workspace domain.
func (d *Discoverer) lookupMX(ctx context.Context, domain string) (*Result, string, error) {
	mxs, err := d.resolver().LookupMX(ctx, domain)
	if err != nil {
		return nil, domain, notFoundIsNoRecord(err)
	}
	var hosts []string
	for _, mx := range mxs {
		hosts = append(hosts, strings.TrimSuffix(mx.Host, "."))
		if p := lookupMXHost(mx.Host); p != nil {
			return p.hostedResult(), strings.TrimSuffix(mx.Host, "."), nil
		}
	}
	if len(hosts) == 0 {
		return nil, domain, fail(CauseNoRecord, "", errors.New("no MX records"))
	}
	return nil, domain, fail(CauseUnknownMX, strings.Join(hosts, ", "), fmt.Errorf("MX %s belongs to no provider idlebell knows", strings.Join(hosts, ", ")))
}

// notFoundIsNoRecord says that a name asked for a record does not exist as
// "no such record": the host name it belongs to may exist.
func notFoundIsNoRecord(err error) error {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return fail(CauseNoRecord, "", err)
	}
	return err
}

var _ Resolver = (*net.Resolver)(nil)
