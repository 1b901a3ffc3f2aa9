//go:build linux

package bench

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"idlebell/imapwatch"
)

// Server is where a client connects: plain when TLS is nil.
type Server struct {
	Addr string
	TLS  *tls.Config
}

// countingConn counts the bytes on the wire, below TLS, as the watcher's
// Config.Traffic does for its own connections.
type countingConn struct {
	net.Conn
	t *imapwatch.Traffic
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.t.Received.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.t.Sent.Add(int64(n))
	return n, err
}

// Dial connects and logs in. Bytes are counted into t when it is not nil.
func Dial(s Server, user, password string, t *imapwatch.Traffic, opts *imapclient.Options) (*imapclient.Client, error) {
	raw, err := net.DialTimeout("tcp", s.Addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	var conn net.Conn = raw
	if t != nil {
		conn = &countingConn{Conn: raw, t: t}
	}
	if s.TLS != nil {
		tc := tls.Client(conn, s.TLS)
		if err := tc.Handshake(); err != nil {
			raw.Close()
			return nil, fmt.Errorf("tls with %s: %w", s.Addr, err)
		}
		conn = tc
	}
	c := imapclient.New(conn, opts)
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fmt.Errorf("greeting from %s: %w", s.Addr, err)
	}
	if err := c.Login(user, password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("login %s at %s: %w", user, s.Addr, err)
	}
	return c, nil
}

// RawIdle is the baseline: a plain go-imap IDLE client as anyone would write
// it from the library's documentation. Without Fetch it only notes when the
// server pushes EXISTS (the earliest a client can know of new mail). With
// Fetch it also ends IDLE, fetches the new messages with those items and
// re-enters IDLE, as a notifier must, so its bytes can be compared.
type RawIdle struct {
	// Exists receives the time of every EXISTS push (buffered; a full
	// buffer drops, which the trial then reports as missing).
	Exists  chan time.Time
	Traffic imapwatch.Traffic
	// Cycles receives one value per completed fetch cycle (Fetch only),
	// after the server confirmed the new IDLE.
	Cycles chan struct{}

	c     *imapclient.Client
	fetch *imap.FetchOptions
	wake  chan struct{}
	done  chan struct{}
	next  imap.UID

	mu  sync.Mutex
	err error
}

// StartRawIdle logs in, selects INBOX read-only and IDLEs. fetch may be nil.
func StartRawIdle(s Server, user, password string, fetch *imap.FetchOptions) (*RawIdle, error) {
	r := &RawIdle{
		Exists: make(chan time.Time, 4096),
		Cycles: make(chan struct{}, 4096),
		fetch:  fetch,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages == nil {
				return
			}
			select {
			case r.Exists <- time.Now():
			default:
			}
			select {
			case r.wake <- struct{}{}:
			default:
			}
		},
	}
	c, err := Dial(s, user, password, &r.Traffic, &imapclient.Options{UnilateralDataHandler: handler})
	if err != nil {
		return nil, err
	}
	r.c = c
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("select INBOX as %s: %w", user, err)
	}
	r.next = sel.UIDNext
	// The SELECT answer's EXISTS went through the handler too.
	for len(r.Exists) > 0 {
		<-r.Exists
	}
	select {
	case <-r.wake:
	default:
	}
	idle, err := c.Idle()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("idle as %s: %w", user, err)
	}
	// Owned by r: ends when Close closes the connection.
	go r.loop(idle)
	return r, nil
}

func (r *RawIdle) loop(idle *imapclient.IdleCommand) {
	defer close(r.done)
	for {
		select {
		case <-r.c.Closed():
			return
		case <-r.wake:
		}
		if r.fetch == nil {
			continue
		}
		if err := r.cycle(idle); err != nil {
			r.setErr(err)
			return
		}
		var err error
		if idle, err = r.c.Idle(); err != nil {
			r.setErr(err)
			return
		}
		select {
		case r.Cycles <- struct{}{}:
		default:
		}
	}
}

func (r *RawIdle) cycle(idle *imapclient.IdleCommand) error {
	if err := idle.Close(); err != nil {
		return err
	}
	if err := idle.Wait(); err != nil {
		return err
	}
	set := imap.UIDSet{imap.UIDRange{Start: r.next, Stop: 0}}
	msgs, err := r.c.Fetch(set, r.fetch).Collect()
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.UID >= r.next {
			r.next = m.UID + 1
		}
	}
	return nil
}

func (r *RawIdle) setErr(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// Err is why the client stopped, if it did.
func (r *RawIdle) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Close drops the connection and waits for the client's goroutine.
func (r *RawIdle) Close() {
	r.c.Close()
	<-r.done
}

// Appender delivers messages over IMAP APPEND from its own connection.
type Appender struct{ c *imapclient.Client }

// NewAppender logs in as user.
func NewAppender(s Server, user, password string) (*Appender, error) {
	c, err := Dial(s, user, password, nil, nil)
	if err != nil {
		return nil, err
	}
	return &Appender{c: c}, nil
}

// Append stores msg in mbox. It returns when the command was sent (a
// trial's start: before the first byte of APPEND left) and the new UID.
func (a *Appender) Append(mbox string, msg []byte) (sent time.Time, uid uint32, err error) {
	sent = time.Now()
	cmd := a.c.Append(mbox, int64(len(msg)), nil)
	if _, err := cmd.Write(msg); err != nil {
		return sent, 0, err
	}
	if err := cmd.Close(); err != nil {
		return sent, 0, err
	}
	data, err := cmd.Wait()
	if err != nil {
		return sent, 0, err
	}
	return sent, uint32(data.UID), nil
}

// AppendMany stores msgs with pipelined APPENDs (window commands in
// flight), for bulk delivery.
func (a *Appender) AppendMany(mbox string, msgs func(i int) []byte, n, window int) error {
	var inflight []*imapclient.AppendCommand
	wait := func() error {
		var errs []error
		for _, c := range inflight {
			if _, err := c.Wait(); err != nil {
				errs = append(errs, err)
			}
		}
		inflight = inflight[:0]
		return errors.Join(errs...)
	}
	for i := range n {
		msg := msgs(i)
		cmd := a.c.Append(mbox, int64(len(msg)), nil)
		if _, err := cmd.Write(msg); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		inflight = append(inflight, cmd)
		if len(inflight) >= window {
			if err := wait(); err != nil {
				return err
			}
		}
	}
	return wait()
}

// Client is the appender's connection, for one-off commands.
func (a *Appender) Client() *imapclient.Client { return a.c }

// Close logs out.
func (a *Appender) Close() {
	a.c.Logout().Wait()
	a.c.Close()
}
