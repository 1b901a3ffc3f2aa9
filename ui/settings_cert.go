package ui

import (
	"crypto/x509"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"idlebell/i18n"
	"idlebell/imapwatch"
)

// certInfo is what the certificate dialog shows: enough to recognise one's
// own server (subject, issuer, validity, names) and to compare it with what
// the server's admin says (the fingerprint).
type certInfo struct {
	host        string
	problem     string // why it was not trusted, one sentence
	subject     string
	issuer      string
	valid       string
	name        string
	fingerprint string // grouped, four lines
}

// newCertInfo reads a CertificateError. pinned says the account already
// trusted a certificate: a new one means the server's changed.
func newCertInfo(cerr *imapwatch.CertificateError, pinned bool, now time.Time) certInfo {
	ci := certInfo{host: safeLine(cerr.Host, 80), fingerprint: groupFingerprint(cerr.Fingerprint)}
	c := cerr.Cert
	ci.problem = certProblem(cerr.Err, c, cerr.Host, pinned, now)
	if c == nil {
		ci.subject = safeLine(cerr.Subject, 120)
		return ci
	}
	ci.subject = certName(c.Subject.CommonName, c.Subject.Organization, c.Subject.String())
	ci.issuer = certName(c.Issuer.CommonName, c.Issuer.Organization, c.Issuer.String())
	if c.Subject.String() == c.Issuer.String() {
		ci.issuer = i18n.T("%s (self-signed)", ci.issuer)
	}
	from, to := c.NotBefore.Local().Format(time.DateOnly), c.NotAfter.Local().Format(time.DateOnly)
	switch {
	case now.After(c.NotAfter):
		ci.valid = i18n.T("%s to %s — expired", from, to)
	case now.Before(c.NotBefore):
		ci.valid = i18n.T("%s to %s — not valid yet", from, to)
	default:
		ci.valid = i18n.T("%s to %s", from, to)
	}
	if c.VerifyHostname(cerr.Host) == nil {
		ci.name = i18n.T("Matches %s", ci.host)
	} else {
		names := c.DNSNames
		for _, ip := range c.IPAddresses {
			names = append(names, ip.String())
		}
		if len(names) == 0 && c.Subject.CommonName != "" {
			names = []string{c.Subject.CommonName}
		}
		ci.name = i18n.T("Does not match %s; made for %s", ci.host, safeLine(strings.Join(names, ", "), 160))
	}
	return ci
}

// certName is "CN (Organisation)", or the whole name when it has no CN.
func certName(cn string, org []string, whole string) string {
	if cn == "" {
		return safeLine(whole, 120)
	}
	if len(org) > 0 && org[0] != "" && org[0] != cn {
		return safeLine(cn+" ("+org[0]+")", 120)
	}
	return safeLine(cn, 120)
}

// certProblem says in one sentence why the certificate was refused.
func certProblem(err error, c *x509.Certificate, host string, pinned bool, now time.Time) string {
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case pinned:
		return i18n.T("It is not the certificate trusted for this account before: the server has a new one.")
	case c != nil && (now.After(c.NotAfter) || now.Before(c.NotBefore)), errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return i18n.T("It is outside its validity period.")
	case errors.As(err, &hostErr):
		return i18n.T("It is made for another server name.")
	case errors.As(err, &unknown):
		return i18n.T("No authority this computer trusts has signed it; servers you run yourself often use such a certificate.")
	}
	return i18n.T("This computer cannot verify it.")
}

// groupFingerprint writes "sha256:AB:CD:…" as four lines of eight bytes, so
// that it can be read out and compared a group at a time.
func groupFingerprint(fp string) string {
	hexs := strings.Split(strings.TrimPrefix(fp, "sha256:"), ":")
	var lines []string
	for i := 0; i < len(hexs); i += 8 {
		lines = append(lines, strings.Join(hexs[i:min(i+8, len(hexs))], " "))
	}
	return strings.Join(lines, "\n")
}

// certView lays a certInfo out: the problem, then one row per fact with the
// labels aligned, then the advice.
func certView(ci certInfo) fyne.CanvasObject {
	intro := widget.NewLabel(i18n.T("idlebell could not verify the certificate of %s.", ci.host) + " " + ci.problem)
	intro.Wrapping = fyne.TextWrapWord
	form := container.New(layout.NewFormLayout())
	row := func(label, value string, mono bool) {
		if value == "" {
			return
		}
		v := widget.NewLabel(value)
		v.Wrapping = fyne.TextWrapWord
		v.TextStyle.Monospace = mono
		form.Add(widget.NewLabelWithStyle(label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		form.Add(v)
	}
	row(i18n.T("Issued to"), ci.subject, false)
	row(i18n.T("Issued by"), ci.issuer, false)
	row(i18n.T("Valid"), ci.valid, false)
	row(i18n.T("Server name"), ci.name, false)
	row(i18n.T("SHA-256 fingerprint"), ci.fingerprint, true)
	advice := widget.NewLabel(i18n.T("Trust it only if you know it is your server's, for example a server you run yourself or Proton Mail Bridge. Compare the fingerprint with the one your server's admin gives you. idlebell then accepts exactly this certificate for this account."))
	advice.Wrapping = fyne.TextWrapWord
	return container.NewVBox(intro, form, advice)
}

// showCertDialog asks whether to trust the certificate; trust runs on the
// Fyne goroutine after "Trust this certificate".
func showCertDialog(w fyne.Window, ci certInfo, trust func()) dialog.Dialog {
	d := dialog.NewCustomConfirm(i18n.T("Untrusted certificate"), i18n.T("Trust this certificate"), i18n.T("Cancel"),
		certView(ci), func(ok bool) {
			if ok {
				trust()
			}
		}, w)
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
	return d
}
