//go:build linux

// Command benchserver is the in-process go-imap server (imapmemserver) in a
// process of its own, so that idlebell's memory and start-up can be measured
// with 1,000 accounts without the server's memory in the same process, and
// without Dovecot's per-user and process limits.
//
//	benchserver -password PW
//
// Any user name logs in with PW and gets an empty INBOX on first login. It
// prints "listening HOST:PORT" once, then "idle USER" each time a client
// starts IDLE, on stdout. Lines on stdin, "append USER COUNT SIZE", store
// COUNT messages of about SIZE bytes in USER's INBOX and answer "appended
// USER COUNT". It exits on SIGTERM or when stdin closes.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

func main() {
	password := flag.String("password", "bench", "the password of every user")
	flag.Parse()
	if err := run(*password); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
}

// out serialises stdout lines from the connections' goroutines.
type out struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (o *out) line(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(o.w, format+"\n", args...)
	o.w.Flush()
}

// users creates users on first login.
type users struct {
	mu       sync.Mutex
	password string
	m        map[string]*imapmemserver.User
}

func (u *users) get(name string) (*imapmemserver.User, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if usr, ok := u.m[name]; ok {
		return usr, nil
	}
	usr := imapmemserver.NewUser(name, u.password)
	if err := usr.Create("INBOX", nil); err != nil {
		return nil, err
	}
	u.m[name] = usr
	return usr, nil
}

// session is imapmemserver's user session (embedded, so every optional
// interface it implements stays visible to the server) with a login that
// accepts any user and an IDLE that is reported on stdout.
type session struct {
	*imapmemserver.UserSession
	users *users
	out   *out
	name  string
}

func (s *session) Login(username, password string) error {
	if password != s.users.password {
		return imapserver.ErrAuthFailed
	}
	u, err := s.users.get(username)
	if err != nil {
		return err
	}
	s.UserSession = imapmemserver.NewUserSession(u)
	s.name = username
	return nil
}

func (s *session) Close() error {
	if s.UserSession == nil {
		return nil
	}
	return s.UserSession.Close()
}

func (s *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	s.out.line("idle %s", s.name)
	return s.UserSession.Idle(w, stop)
}

func run(password string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	o := &out{w: bufio.NewWriter(os.Stdout)}
	us := &users{password: password, m: make(map[string]*imapmemserver.User)}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &session{users: us, out: o}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapIdle: {}},
		Logger:       log.New(io.Discard, "", 0),
		InsecureAuth: true, // loopback only
	})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	o.line("listening %s", ln.Addr())

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	stdinDone := make(chan struct{})
	go func() {
		defer close(stdinDone)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			var user string
			var count, size int
			if _, err := fmt.Sscanf(sc.Text(), "append %s %d %d", &user, &count, &size); err != nil {
				o.line("error %v", err)
				continue
			}
			if err := appendN(us, user, count, size); err != nil {
				o.line("error %v", err)
				continue
			}
			o.line("appended %s %d", user, count)
		}
	}()
	select {
	case <-sigs:
	case <-stdinDone:
	case err := <-served:
		return err
	}
	srv.Close()
	return nil
}

func appendN(us *users, user string, count, size int) error {
	u, err := us.get(user)
	if err != nil {
		return err
	}
	body := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n", size/58+1)[:max(size-300, 10)]
	for i := range count {
		msg := fmt.Sprintf("From: Bench <bench@example.org>\r\nTo: %s@example.org\r\nSubject: bench %d\r\nDate: %s\r\nMessage-ID: <bench-%d-%d@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
			user, i, time.Now().Format(time.RFC1123Z), time.Now().UnixNano(), i, body)
		r := bytes.NewReader([]byte(msg))
		if _, err := u.Append("INBOX", literal{r, int64(len(msg))}, &imap.AppendOptions{Time: time.Now()}); err != nil {
			return err
		}
	}
	return nil
}

type literal struct {
	*bytes.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }
