package testsession

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// mailOwner returns the uid/gid mail is stored as, and the names used in the config.
func mailOwner() (uid, gid int, uname, gname string, err error) {
	if os.Getuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return 0, 0, "", "", err
		}
		g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
		if err != nil {
			return 0, 0, "", "", err
		}
		return os.Getuid(), os.Getgid(), u.Username, g.Name, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return 0, 0, "", "", fmt.Errorf("look up user nobody: %w", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		return 0, 0, "", "", fmt.Errorf("look up nobody's group: %w", err)
	}
	return uid, gid, "nobody", g.Name, nil
}

func (d *Dovecot) writeFiles(opts DovecotOptions) error {
	uid, gid, uname, gname, err := mailOwner()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(d.Dir, 0o755); err != nil {
		return err
	}
	if os.Getuid() == 0 {
		if err := makeTraversable(d.Dir); err != nil {
			return err
		}
	}
	for _, sub := range []string{"mail", "home"} {
		p := filepath.Join(d.Dir, sub)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := os.Chown(p, uid, gid); err != nil {
			return err
		}
	}
	for _, sub := range []string{"run", "state"} {
		if err := os.MkdirAll(filepath.Join(d.Dir, sub), 0o755); err != nil {
			return err
		}
	}
	certPEM, keyPEM, err := selfSignedCert()
	if err != nil {
		return fmt.Errorf("generate certificate: %w", err)
	}
	if err := os.WriteFile(d.CAFile, certPEM, 0o644); err != nil {
		return err
	}
	keyFile := filepath.Join(d.Dir, "key.pem")
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return err
	}

	internalUser, loginUser := "dovecot", "dovenull"
	if os.Getuid() != 0 {
		internalUser, loginUser = uname, uname
	}
	_, plainPort, _ := net.SplitHostPort(d.PlainAddr)
	_, tlsPort, _ := net.SplitHostPort(d.TLSAddr)
	var oauthMechs, oauthPassdb, staticMechs string
	if opts.OAuth2IntrospectionURL != "" {
		mechs := opts.OAuth2Mechanisms
		if len(mechs) == 0 {
			mechs = []string{"xoauth2", "oauthbearer"}
		}
		oauthMechs = " " + strings.Join(mechs, " ")
		ext := filepath.Join(d.Dir, "dovecot-oauth2.conf.ext")
		// Dovecot 2.3's oauth2 passdb; see doc.dovecot.org/2.3 configuration_manual/authentication/oauth2.
		conf := fmt.Sprintf("introspection_mode = post\nintrospection_url = %s\nusername_attribute = username\nactive_attribute = active\nactive_value = true\n",
			opts.OAuth2IntrospectionURL)
		if err := os.WriteFile(ext, []byte(conf), 0o644); err != nil {
			return err
		}
		oauthPassdb = fmt.Sprintf("passdb {\n  driver = oauth2\n  mechanisms = %s\n  args = %s\n}\n", strings.Join(mechs, " "), ext)
		staticMechs = "  mechanisms = plain login\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# Written by idlebell/internal/testsession. Private instance; nothing from /etc/dovecot.
protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
instance_name = idlebell-test-%[2]s
default_internal_user = %[3]s
default_login_user = %[4]s
mail_uid = %[5]s
mail_gid = %[6]s
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:%[1]s/mail/%%u:LAYOUT=fs
disable_plaintext_auth = no
auth_mechanisms = plain login%[10]s
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
ssl_min_protocol = TLSv1.2
imap_idle_notify_interval = 2 mins
# Failed logins answer at once and do not slow down later logins from 127.0.0.1 (auth
# penalty): one test's wrong password must not delay the other tests sharing the server.
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
%[11]spassdb {
  driver = static
  args = password=%[7]s
%[12]s}
userdb {
  driver = static
  args = uid=%[5]s gid=%[6]s home=%[1]s/home/%%u allow_all_users=yes
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[8]s
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[9]s
    ssl = yes
  }
  chroot =
}
`, d.Dir, randomHex(4), internalUser, loginUser, uname, gname, d.password, plainPort, tlsPort,
		oauthMechs, oauthPassdb, staticMechs)
	if opts.NoIDLE || opts.NoUNSELECT {
		caps := strings.Fields(noIdleCaps)
		if !opts.NoIDLE {
			caps = append(caps, "IDLE", "NOTIFY")
		}
		if opts.NoUNSELECT {
			caps = slices.DeleteFunc(caps, func(c string) bool { return c == "UNSELECT" })
		}
		fmt.Fprintf(&b, "imap_capability = %s\n", strings.Join(caps, " "))
	}
	return os.WriteFile(d.Conf, []byte(b.String()), 0o644)
}

// makeTraversable gives "others" search permission on dir's ancestors below the temp dir
// (t.TempDir makes them 0700), so that mail processes running as nobody can reach dir.
// An ancestor outside the temp dir that is closed is reported, not changed.
func makeTraversable(dir string) error {
	tmp, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		tmp = os.TempDir()
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	for p := filepath.Dir(real); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if !strings.HasPrefix(p, tmp+string(filepath.Separator)) {
				return fmt.Errorf("%s is not searchable by nobody (mode %v); use a directory under %s", p, fi.Mode().Perm(), tmp)
			}
			if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
				return err
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// selfSignedCert returns a fresh P-256 certificate for 127.0.0.1 and localhost, valid for a
// day, and its key, both PEM.
func selfSignedCert() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"idlebell test"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}
