// Package badimap is an IMAP server for tests that misbehaves on purpose:
// faults no real server produces on demand (a connection cut in the middle of
// a FETCH answer, a LOGIN never answered, an endless line, a 4 GB literal,
// UIDVALIDITY 0, ...). It is go-imap's in-memory server (through the demo
// package) with a table of Behaviours on top: Rules change the bytes on the
// wire after a command, session hooks change the server's answers.
//
// Proxy puts the same Rules on the wire in front of any server, e.g. Dovecot.
package badimap

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"idlebell/demo"
)

// Behaviour is one way of misbehaving. Several may be combined; their Rules
// are tried in order, the first that matches a command fires.
type Behaviour struct {
	Name  string
	Rules []*Rule
	// Login, when set, sees every LOGIN first; conn is the connection's
	// number, from 1. An error is the answer; nil goes on to the password
	// check.
	Login func(conn int, user, pass string) error
	// Select, when set, may change or refuse what SELECT/EXAMINE answers.
	Select func(conn int, mailbox string, d *imap.SelectData) error
	// RefuseSelect, when set, sees SELECT/EXAMINE first; an error is the
	// answer, whether the mailbox exists or not.
	RefuseSelect func(conn int, mailbox string) error
	// Status, when set, may change or refuse what STATUS answers.
	Status func(conn int, mailbox string, d *imap.StatusData) error
	// RefuseStatus, when set, sees STATUS first; an error is the answer,
	// whether the mailbox exists or not.
	RefuseStatus func(conn int, mailbox string) error
}

// Options configure a Server.
type Options struct {
	NoIdle bool   // leave IDLE out of CAPABILITY
	Listen string // where to listen; empty: 127.0.0.1 on a free port
}

// Server is a running misbehaving server on 127.0.0.1. Users, mailboxes and
// delivery are demo.Server's.
type Server struct {
	*demo.Server
	behaviours []Behaviour
	rules      []*Rule

	wg    sync.WaitGroup // Send goroutines
	mu    sync.Mutex
	conns []*wire
	times []time.Time
}

// Start serves until Close.
func Start(opts Options, behaviours ...Behaviour) (*Server, error) {
	s := &Server{behaviours: behaviours}
	for _, b := range behaviours {
		s.rules = append(s.rules, b.Rules...)
	}
	ds, err := demo.Start(demo.Options{
		NoIdle:      opts.NoIdle,
		Listen:      opts.Listen,
		WrapConn:    s.wrapConn,
		WrapSession: s.wrapSession,
	})
	if err != nil {
		return nil, fmt.Errorf("badimap: %w", err)
	}
	s.Server = ds
	return s, nil
}

func (s *Server) wrapConn(c net.Conn, n int) net.Conn {
	w := newWire(c, s.rules, &s.wg)
	s.mu.Lock()
	s.conns = append(s.conns, w)
	s.times = append(s.times, time.Now())
	s.mu.Unlock()
	return &numberedConn{wire: w, n: n}
}

// numberedConn tells the session hooks which connection they serve.
type numberedConn struct {
	*wire
	n int
}

func (s *Server) wrapSession(inner imapserver.SessionIMAP4rev2, c net.Conn) imapserver.Session {
	n := 0
	if nc, ok := c.(*numberedConn); ok {
		n = nc.n
	}
	return &session{SessionIMAP4rev2: inner, srv: s, conn: n}
}

// Conns returns when each connection was accepted, in order.
func (s *Server) Conns() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.times...)
}

// Freeze makes every connection open now go silent (see Freeze); later
// connections work.
func (s *Server) Freeze() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.conns {
		w.freeze()
	}
}

// Close stops the server, drops every connection and waits for what the
// Rules started.
func (s *Server) Close() error {
	err := s.Server.Close()
	s.mu.Lock()
	for _, w := range s.conns {
		w.kill()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// session applies the Behaviours' session hooks to the demo server's session.
type session struct {
	imapserver.SessionIMAP4rev2
	srv  *Server
	conn int
}

func (s *session) Login(user, pass string) error {
	for _, b := range s.srv.behaviours {
		if b.Login != nil {
			if err := b.Login(s.conn, user, pass); err != nil {
				return err
			}
		}
	}
	return s.SessionIMAP4rev2.Login(user, pass)
}

func (s *session) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	for _, b := range s.srv.behaviours {
		if b.RefuseSelect != nil {
			if err := b.RefuseSelect(s.conn, mailbox); err != nil {
				return nil, err
			}
		}
	}
	d, err := s.SessionIMAP4rev2.Select(mailbox, options)
	if err != nil {
		return d, err
	}
	for _, b := range s.srv.behaviours {
		if b.Select != nil {
			if err := b.Select(s.conn, mailbox, d); err != nil {
				return nil, err
			}
		}
	}
	return d, nil
}

func (s *session) Status(mailbox string, options *imap.StatusOptions) (*imap.StatusData, error) {
	for _, b := range s.srv.behaviours {
		if b.RefuseStatus != nil {
			if err := b.RefuseStatus(s.conn, mailbox); err != nil {
				return nil, err
			}
		}
	}
	d, err := s.SessionIMAP4rev2.Status(mailbox, options)
	if err != nil {
		return d, err
	}
	for _, b := range s.srv.behaviours {
		if b.Status != nil {
			if err := b.Status(s.conn, mailbox, d); err != nil {
				return nil, err
			}
		}
	}
	return d, nil
}
