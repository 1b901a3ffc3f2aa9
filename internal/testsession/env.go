package testsession

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

// Environment variables cmd/testsession exports to the command it runs.
const (
	EnvServices = "IDLEBELL_TEST_SERVICES" // "1": the services below are up; tests must not skip
	EnvDesktop  = "IDLEBELL_TEST_DESKTOP"  // "1": the desktop session is up

	EnvDovecotConf     = "IDLEBELL_DOVECOT_CONF"
	EnvDovecotPlain    = "IDLEBELL_DOVECOT_PLAIN"
	EnvDovecotTLS      = "IDLEBELL_DOVECOT_TLS"
	EnvDovecotCA       = "IDLEBELL_DOVECOT_CA"
	EnvDovecotPassword = "IDLEBELL_DOVECOT_PASSWORD"

	EnvNoIdleConf     = "IDLEBELL_DOVECOT_NOIDLE_CONF"
	EnvNoIdlePlain    = "IDLEBELL_DOVECOT_NOIDLE_PLAIN"
	EnvNoIdleTLS      = "IDLEBELL_DOVECOT_NOIDLE_TLS"
	EnvNoIdleCA       = "IDLEBELL_DOVECOT_NOIDLE_CA"
	EnvNoIdlePassword = "IDLEBELL_DOVECOT_NOIDLE_PASSWORD"

	EnvDesktopDir  = "IDLEBELL_DESKTOP_DIR"
	EnvDesktopHome = "IDLEBELL_DESKTOP_HOME"
	// plus DISPLAY, DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR, LANG: see Desktop.Env.
)

// Env is the set of shared services of a `make test` run. Tests share them: use a fresh IMAP
// user name per test (any name logs in with Password()), never stop or restart them (start an
// own instance with StartDovecot for that).
type Env struct {
	Dovecot *Dovecot // advertises IDLE; plain and implicit TLS listeners
	NoIdle  *Dovecot // advertises neither IDLE nor NOTIFY
	Desktop *Desktop // nil unless IDLEBELL_TEST_DESKTOP=1
}

var (
	fromEnvOnce sync.Once
	fromEnvVal  *Env
	fromEnvErr  error
)

// FromEnv returns the services started by cmd/testsession. Without IDLEBELL_TEST_SERVICES it
// skips the test; with IDLEBELL_TEST_SERVICES=1 a missing variable or an unreachable service
// fails it. The services are checked once per test binary.
func FromEnv(t testing.TB) *Env {
	t.Helper()
	if os.Getenv(EnvServices) == "" {
		t.Skip("needs the services that `make test` starts (" + EnvServices + " is unset)")
	}
	fromEnvOnce.Do(func() { fromEnvVal, fromEnvErr = loadEnv() })
	if fromEnvErr != nil {
		t.Fatalf("%s=%s but the test services are not usable: %v", EnvServices, os.Getenv(EnvServices), fromEnvErr)
	}
	e := *fromEnvVal
	return &e
}

// DesktopFromEnv returns the shared desktop session. It skips the test when
// IDLEBELL_TEST_DESKTOP is unset (e.g. `make bench`) and fails it when the session is
// announced but not usable.
func DesktopFromEnv(t testing.TB) *Desktop {
	t.Helper()
	if os.Getenv(EnvDesktop) == "" {
		t.Skip("needs the desktop session that `make test` starts (" + EnvDesktop + " is unset)")
	}
	e := FromEnv(t)
	if e.Desktop == nil {
		t.Fatalf("%s=%s but %s is not 1", EnvDesktop, os.Getenv(EnvDesktop), EnvServices)
	}
	return e.Desktop
}

func loadEnv() (*Env, error) {
	if v := os.Getenv(EnvServices); v != "1" {
		return nil, fmt.Errorf("%s=%q, want 1", EnvServices, v)
	}
	var e Env
	var err error
	if e.Dovecot, err = dovecotFromEnv(EnvDovecotConf, EnvDovecotPlain, EnvDovecotTLS, EnvDovecotCA, EnvDovecotPassword); err != nil {
		return nil, err
	}
	if e.NoIdle, err = dovecotFromEnv(EnvNoIdleConf, EnvNoIdlePlain, EnvNoIdleTLS, EnvNoIdleCA, EnvNoIdlePassword); err != nil {
		return nil, err
	}
	if os.Getenv(EnvDesktop) == "1" {
		if e.Desktop, err = desktopFromEnv(); err != nil {
			return nil, err
		}
	}
	return &e, nil
}

func lookup(names ...string) (map[string]string, error) {
	m := make(map[string]string)
	var missing []error
	for _, n := range names {
		v := os.Getenv(n)
		if v == "" {
			missing = append(missing, fmt.Errorf("%s is not set", n))
		}
		m[n] = v
	}
	return m, errors.Join(missing...)
}

func dovecotFromEnv(conf, plain, tlsAddr, ca, password string) (*Dovecot, error) {
	v, err := lookup(conf, plain, tlsAddr, ca, password)
	if err != nil {
		return nil, err
	}
	d := &Dovecot{
		Dir:       filepath.Dir(v[conf]),
		Conf:      v[conf],
		PlainAddr: v[plain],
		TLSAddr:   v[tlsAddr],
		CAFile:    v[ca],
		password:  v[password],
	}
	if err := d.probeLogin(false); err != nil {
		return nil, fmt.Errorf("dovecot %s at %s: %w", d.Conf, d.PlainAddr, err)
	}
	if err := d.probeLogin(true); err != nil {
		return nil, fmt.Errorf("dovecot %s at %s: %w", d.Conf, d.TLSAddr, err)
	}
	return d, nil
}

func desktopFromEnv() (*Desktop, error) {
	v, err := lookup("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", EnvDesktopDir, EnvDesktopHome)
	if err != nil {
		return nil, err
	}
	d := &Desktop{Dir: v[EnvDesktopDir], Display: v["DISPLAY"], BusAddress: v["DBUS_SESSION_BUS_ADDRESS"], Home: v[EnvDesktopHome]}
	conn, err := dbus.Connect(d.BusAddress)
	if err != nil {
		return nil, fmt.Errorf("connect to session bus %s: %w", d.BusAddress, err)
	}
	defer conn.Close()
	for _, name := range []string{SecretsName, NotifyName, SNIWatchName} {
		if err := hasOwner(conn, name); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// ExportDovecot returns the variables FromEnv reads for d, as the IDLE (noIdle false) or the
// no-IDLE instance.
func ExportDovecot(d *Dovecot, noIdle bool) []string {
	names := [...]string{EnvDovecotConf, EnvDovecotPlain, EnvDovecotTLS, EnvDovecotCA, EnvDovecotPassword}
	if noIdle {
		names = [...]string{EnvNoIdleConf, EnvNoIdlePlain, EnvNoIdleTLS, EnvNoIdleCA, EnvNoIdlePassword}
	}
	return []string{
		names[0] + "=" + d.Conf,
		names[1] + "=" + d.PlainAddr,
		names[2] + "=" + d.TLSAddr,
		names[3] + "=" + d.CAFile,
		names[4] + "=" + d.password,
	}
}

// ExportDesktop returns the variables FromEnv reads for d. Unlike Env it leaves out the XDG
// config and data dirs: the `go` command itself reads its settings from the config dir.
func ExportDesktop(d *Desktop) []string {
	var env []string
	for _, kv := range d.Env() {
		if !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") && !strings.HasPrefix(kv, "XDG_DATA_HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, EnvDesktopDir+"="+d.Dir, EnvDesktopHome+"="+d.Home)
}
