// Package demo runs an in-process IMAP server (go-imap's imapserver with the
// in-memory backend) on a loopback port. idlebell --demo points the real
// watcher at it, and the fast tests use it as their server.
package demo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"regexp"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Options configure a Server.
type Options struct {
	// NoIdle leaves IDLE out of CAPABILITY, for the polling path.
	NoIdle bool
	// Logger receives the server's own error messages; nil discards them.
	Logger *log.Logger
	// DebugWriter, when set, receives the raw protocol (tests only).
	DebugWriter io.Writer
	// Listen is where to listen; empty: 127.0.0.1 on a free port.
	Listen string
	// WrapConn, when set, wraps every accepted connection; n counts them
	// from 1. Test servers put faults on the wire with it.
	WrapConn func(c net.Conn, n int) net.Conn
	// WrapSession, when set, wraps every session; c is the connection
	// WrapConn returned. Test servers change the server's answers with it.
	WrapSession func(s imapserver.SessionIMAP4rev2, c net.Conn) imapserver.Session
}

// Server is a running in-process IMAP server. Its methods are safe for
// concurrent use.
type Server struct {
	Addr string // 127.0.0.1:port

	srv  *imapserver.Server
	ln   net.Listener
	done chan struct{}

	mu    sync.Mutex
	users map[string]*imapmemserver.User
	conns map[*imapserver.Conn]struct{}
}

// Start listens on 127.0.0.1 with a random port and serves until Close.
func Start(opts Options) (*Server, error) {
	addr := opts.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo server: listen: %w", err)
	}
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if !opts.NoIdle {
		caps[imap.CapIdle] = struct{}{}
	} else {
		// IMAP4rev2 implies IDLE; a server without IDLE is rev1 only.
		delete(caps, imap.CapIMAP4rev2)
		caps[imap.CapUIDPlus] = struct{}{}
	}
	logger := opts.Logger
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	s := &Server{
		Addr:  ln.Addr().String(),
		ln:    ln,
		done:  make(chan struct{}),
		users: make(map[string]*imapmemserver.User),
		conns: make(map[*imapserver.Conn]struct{}),
	}
	s.srv = imapserver.New(&imapserver.Options{
		NewSession: func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			// Remembered for Kick. The session is returned unwrapped: the
			// server finds optional features by type assertion on it.
			s.mu.Lock()
			s.conns[c] = struct{}{}
			s.mu.Unlock()
			if opts.WrapSession != nil {
				return opts.WrapSession(&session{srv: s}, c.NetConn()), nil, nil
			}
			return &session{srv: s}, nil, nil
		},
		Caps:         caps,
		Logger:       logger,
		InsecureAuth: true, // loopback only
		DebugWriter:  opts.DebugWriter,
	})
	var serveLn net.Listener = ln
	if opts.NoIdle {
		// go-imap's server adds IDLE to every IMAP4rev1 session's
		// capabilities after login; take it out on the wire.
		serveLn = noIdleListener{ln}
	}
	if opts.WrapConn != nil {
		serveLn = &wrapListener{Listener: serveLn, wrap: opts.WrapConn}
	}
	// Owned by the Server: exits when Close closes the listener.
	go func() {
		defer close(s.done)
		s.srv.Serve(serveLn)
	}()
	return s, nil
}

// AddUser creates a user with an empty INBOX. Adding an existing user is a no-op.
func (s *Server) AddUser(name, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[name]; ok {
		return nil
	}
	u := imapmemserver.NewUser(name, password)
	if err := u.Create("INBOX", nil); err != nil {
		return fmt.Errorf("demo server: create INBOX for %s: %w", name, err)
	}
	s.users[name] = u
	return nil
}

func (s *Server) user(name string) (*imapmemserver.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[name]
	if !ok {
		return nil, fmt.Errorf("demo server: no user %q", name)
	}
	return u, nil
}

// CreateMailbox creates a mailbox for a user.
func (s *Server) CreateMailbox(user, mailbox string) error {
	u, err := s.user(user)
	if err != nil {
		return err
	}
	return u.Create(mailbox, nil)
}

// DeleteMailbox deletes a mailbox (recreating it gives a new UIDVALIDITY).
func (s *Server) DeleteMailbox(user, mailbox string) error {
	u, err := s.user(user)
	if err != nil {
		return err
	}
	return u.Delete(mailbox)
}

// Append delivers a message as an MTA would; connected IDLE clients see
// EXISTS synchronously. It returns the new message's UID.
func (s *Server) Append(user, mailbox string, msg []byte) (uint32, error) {
	return s.AppendAt(user, mailbox, msg, time.Now())
}

// AppendAt is Append with the message's INTERNALDATE (when the server
// received it) set to at: old mail for tests.
func (s *Server) AppendAt(user, mailbox string, msg []byte, at time.Time) (uint32, error) {
	u, err := s.user(user)
	if err != nil {
		return 0, err
	}
	data, err := u.Append(mailbox, literal{bytes.NewReader(msg), int64(len(msg))}, &imap.AppendOptions{Time: at})
	if err != nil {
		return 0, fmt.Errorf("demo server: append to %s/%s: %w", user, mailbox, err)
	}
	return uint32(data.UID), nil
}

// Kick drops every client connection, as a server restart would, while the
// server keeps listening.
func (s *Server) Kick() {
	s.mu.Lock()
	conns := s.conns
	s.conns = make(map[*imapserver.Conn]struct{})
	s.mu.Unlock()
	for c := range conns {
		c.NetConn().Close()
	}
}

// Close stops the server and drops every connection.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

type literal struct {
	*bytes.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }

// HostPort splits Addr.
func (s *Server) HostPort() (string, int) {
	a := s.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// session is imapmemserver's user session with our Login (users live in
// Server) and an IDLE that first reports what changed since the last
// command: the memory backend only signals changes made after IDLE began, so
// mail appended between a client's last command and its IDLE would wait for
// the next change. Embedding *UserSession keeps every optional interface the
// server looks for.
type session struct {
	*imapmemserver.UserSession // nil until login
	srv                        *Server
}

func (s *session) Login(username, password string) error {
	u, err := s.srv.user(username)
	if err != nil {
		return imapserver.ErrAuthFailed
	}
	if err := u.Login(username, password); err != nil {
		return err
	}
	s.UserSession = imapmemserver.NewUserSession(u)
	return nil
}

func (s *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	// The memory backend's Idle only hears of changes made after it has
	// registered, a moment after this call. So: report what is queued, idle
	// for a while, and start over; a change that slipped into that moment
	// is reported at the next round, within idleRound.
	for {
		if err := s.UserSession.Poll(w, true); err != nil {
			return err
		}
		round := make(chan struct{})
		var once sync.Once
		end := func() { once.Do(func() { close(round) }) }
		t := time.AfterFunc(idleRound, end)
		stopped := make(chan struct{})
		go func() { // ends with this round
			select {
			case <-stop:
				end()
			case <-round:
			}
			close(stopped)
		}()
		err := s.UserSession.Idle(w, round)
		t.Stop()
		end()
		<-stopped
		if err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		default:
		}
	}
}

// idleRound bounds how late a change made just as IDLE began is reported.
const idleRound = 250 * time.Millisecond

// wrapListener hands out connections wrapped by Options.WrapConn.
type wrapListener struct {
	net.Listener
	wrap func(net.Conn, int) net.Conn
	n    int // only Accept's goroutine touches it
}

func (l *wrapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.n++
	return l.wrap(c, l.n), nil
}

// noIdleListener hands out connections whose CAPABILITY responses lack IDLE.
type noIdleListener struct{ net.Listener }

func (l noIdleListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return noIdleConn{c}, nil
}

type noIdleConn struct{ net.Conn }

// capLine is a capability list: untagged, or in a status response's code.
var capLine = regexp.MustCompile(`(?m)^(\* |\S+ OK \[|\* OK \[)CAPABILITY [^\r\n]*`)

func (c noIdleConn) Write(p []byte) (int, error) {
	q := capLine.ReplaceAllFunc(p, func(line []byte) []byte {
		return bytes.ReplaceAll(line, []byte(" IDLE"), nil)
	})
	if _, err := c.Conn.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}
