package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// fetchBatch is how many new messages are handed on between two watermark
// saves; a crash in a burst repeats at most this many announcements.
const fetchBatch = 100

// logoutGrace bounds the polite goodbye (DONE, LOGOUT) on shutdown.
const logoutGrace = 1500 * time.Millisecond

var (
	errConnLost = errors.New("connection lost")
	errWake     = errors.New("reconnecting after sleep")
	errTimeout  = errors.New("server did not answer in time")
)

// mark is a mailbox's watermark: every UID below next was reported.
type mark struct {
	validity, next uint32
	unseen         int64 // last reported unseen count, -1 unknown
}

// conn is one supervised IMAP connection for one account. With one mailbox it
// IDLEs on it (or polls when the server lacks IDLE); with several it checks
// them in turn with STATUS (the folders beyond max_connections).
//
// run is its only goroutine; the account owns it and waits for it.
type conn struct {
	cfg       Config
	mailboxes []string
	store     Store
	events    chan<- Event
	logger    *slog.Logger

	// Each a capacity-1 "something happened" signal; sends never block.
	checkNow chan struct{}
	wake     chan struct{}

	marks map[string]*mark

	// refreshToken: the last session ended because the access token
	// expired; the next login asks for a new one first.
	refreshToken bool
}

func newConn(cfg Config, mailboxes []string, store Store, events chan<- Event, logger *slog.Logger) *conn {
	return &conn{
		cfg: cfg, mailboxes: mailboxes, store: store, events: events,
		logger:   logger,
		checkNow: make(chan struct{}, 1),
		wake:     make(chan struct{}, 1),
		marks:    make(map[string]*mark),
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func drain(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// send hands an event on. It blocks until the consumer takes it or ctx is
// done: mail events are never dropped, only abandoned at shutdown (and then
// the watermark was not advanced, so they come back as catch-up).
func (w *conn) send(ctx context.Context, ev Event) bool {
	select {
	case w.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

func (w *conn) state(ctx context.Context, s State, err error, retryAt time.Time) {
	for _, mb := range w.mailboxes {
		w.send(ctx, &StateChange{Account: w.cfg.Name, Mailbox: mb, State: s, Err: err, RetryAt: retryAt})
	}
}

// run supervises the connection: connect, watch, and on failure reconnect
// with backoff. Permanent errors park it until CheckNow. It returns when ctx
// is done.
func (w *conn) run(ctx context.Context, b *backoff) {
	for {
		err := w.session(ctx, b.reset)
		if ctx.Err() != nil {
			return
		}
		if IsPermanent(err) {
			w.logger.Warn("account failed", "mailboxes", w.mailboxes, "err", err)
			w.state(ctx, StateFailed, err, time.Time{})
			select {
			case <-ctx.Done():
				return
			case <-w.checkNow:
				b.reset()
				continue
			}
		}
		delay := b.next()
		retryAt := time.Now().Add(delay)
		w.logger.Info("connection lost", "mailboxes", w.mailboxes, "err", err, "retry_in", delay.Round(time.Millisecond))
		if delay > 0 {
			w.state(ctx, StateReconnecting, err, retryAt)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-w.checkNow:
			t.Stop()
		case <-w.wake:
			t.Stop()
		}
	}
}

// session is one connection's life: it returns why it ended.
func (w *conn) session(ctx context.Context, healthy func()) error {
	w.state(ctx, StateConnecting, nil, time.Time{})
	exists := make(chan struct{}, 1)
	flags := make(chan struct{}, 1)
	// Called on go-imap's reader goroutine: must not block (STYLE habit 5).
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				signal(exists)
			}
		},
		Expunge: func(uint32) { signal(flags) },
		Fetch: func(msg *imapclient.FetchMessageData) {
			// Runs on its own goroutine (go-imap starts it); the data must
			// be consumed for the reader to go on.
			msg.Collect()
			signal(flags)
		},
	}
	var trace *redactor
	bye := newByeWatcher(nil)
	if w.cfg.Trace != nil {
		trace = newRedactor(w.cfg.Trace, "["+w.cfg.Name+"] ")
		bye.next = trace
	}
	c, lc, err := dial(ctx, &w.cfg, dialOptions{handler: handler, debug: bye})
	if err != nil {
		return err
	}
	// On shutdown, allow a short polite goodbye, then cut the connection:
	// that unblocks whatever command is waiting (STYLE habit 2).
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(logoutGrace, func() { c.Close() }) })
	defer stop()
	defer c.Close()

	var onSecret func(string)
	if trace != nil {
		onSecret = trace.addSecret
	}
	if _, err := login(ctx, c, &w.cfg, onSecret, w.refreshToken); err != nil {
		return err
	}
	w.refreshToken = false
	s := &session{w: w, c: c, lc: lc, exists: exists, flags: flags, bye: bye.bye, byeText: bye}
	defer s.logout()
	if len(w.mailboxes) == 1 {
		return s.watchOne(ctx, w.mailboxes[0], healthy)
	}
	return s.watchMany(ctx, healthy)
}

// session is the state of one logged-in connection.
type session struct {
	w             *conn
	c             *imapclient.Client
	lc            *liveConn
	exists, flags chan struct{}
	bye           chan struct{} // the server said BYE
	byeText       *byeWatcher
	selected      string
	loggedOut     bool
}

// await waits for a command's answer, bounded: if the server does not answer
// within CommandTimeout the connection is closed (go-imap has no deadline
// on some waits, notably after DONE).
func (s *session) await(what string, wait func() error) error {
	t := time.AfterFunc(s.w.cfg.CommandTimeout, func() { s.c.Close() })
	err := wait()
	if !t.Stop() {
		return fmt.Errorf("%s: %w", what, errTimeout)
	}
	return err
}

// byeErr ends a session the server said goodbye to: close at once (the
// server is going away; no LOGOUT) and reconnect.
func (s *session) byeErr() error {
	s.c.Close()
	s.loggedOut = true
	if s.w.cfg.Token != nil && s.byeText.tokenExpired() {
		// Reconnect at once (the first retry is immediate) with a new token.
		s.w.refreshToken = true
		return fmt.Errorf("server closed the session: access token expired: %w", errConnLost)
	}
	return fmt.Errorf("server closed the session (BYE): %w", errConnLost)
}

func (s *session) logout() {
	if s.loggedOut {
		return
	}
	t := time.AfterFunc(logoutGrace, func() { s.c.Close() })
	defer t.Stop()
	s.c.Logout().Wait()
}

func (s *session) commandErr(what string, err error) error {
	select {
	case <-s.c.Closed():
		return fmt.Errorf("%s: %w", what, errConnLost)
	default:
	}
	return fmt.Errorf("%s: %w", what, err)
}

// examine opens a mailbox read-only (idlebell never sets \Seen) and brings
// the watermark up to date: baseline on first sight, catch-up after that.
func (s *session) examine(ctx context.Context, mbox string) error {
	var data *imap.SelectData
	err := s.await("examine "+mbox, func() (err error) {
		data, err = s.c.Select(mbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		return err
	})
	if err != nil {
		var ierr *imap.Error
		if errors.As(err, &ierr) && ierr.Type == imap.StatusResponseTypeNo {
			return fmt.Errorf("%w: %s: %s", ErrMailboxMissing, mbox, ierr.Text)
		}
		return s.commandErr("examine "+mbox, err)
	}
	s.selected = mbox
	next := uint32(data.UIDNext)
	if next == 0 {
		next, err = s.uidNext(mbox)
		if err != nil {
			return err
		}
	}
	return s.sync(ctx, mbox, data.UIDValidity, next, true)
}

// uidNext asks with STATUS for servers that leave UIDNEXT out of SELECT.
func (s *session) uidNext(mbox string) (uint32, error) {
	var st *imap.StatusData
	err := s.await("status "+mbox, func() (err error) {
		st, err = s.c.Status(mbox, &imap.StatusOptions{UIDNext: true}).Wait()
		return err
	})
	if err != nil {
		return 0, s.commandErr("status "+mbox, err)
	}
	return uint32(st.UIDNext), nil
}

// sync compares the server's (UIDVALIDITY, UIDNEXT) with the watermark and
// reports what is new. The mailbox must be selected when there is news.
func (s *session) sync(ctx context.Context, mbox string, validity, next uint32, catchUp bool) error {
	w := s.w
	m := w.marks[mbox]
	if m == nil {
		m = &mark{unseen: -1}
		if w.store != nil {
			m.validity, m.next, _ = w.store.Load(w.cfg.Name, mbox)
		}
		w.marks[mbox] = m
	}
	switch {
	case m.validity == 0:
		// First sight: what is there now is old mail. Never announce it.
		m.validity, m.next = validity, next
		w.save(mbox, m)
		w.logger.Info("baseline", "mailbox", mbox, "uidvalidity", validity, "uidnext", next)
		return nil
	case m.validity != validity:
		old := m.validity
		m.validity, m.next = validity, next
		w.save(mbox, m)
		w.logger.Warn("uidvalidity changed", "mailbox", mbox, "old", old, "new", validity)
		w.send(ctx, &StateChange{Account: w.cfg.Name, Mailbox: mbox, State: StateIdle,
			Note: fmt.Sprintf("%s was recreated on the server (UIDVALIDITY changed); its existing messages are not announced", mbox)})
		return nil
	case next > m.next:
		if s.selected != mbox {
			return s.examine(ctx, mbox)
		}
		return s.fetchNew(ctx, mbox, catchUp)
	}
	return nil
}

func (w *conn) save(mbox string, m *mark) {
	if w.store != nil {
		w.store.Save(w.cfg.Name, mbox, m.validity, m.next)
	}
}

// previewHeader is the part of the header the preview decoder needs.
var previewHeader = &imap.FetchItemBodySection{
	Specifier:    imap.PartSpecifierHeader,
	HeaderFields: []string{"Content-Type", "Content-Transfer-Encoding"},
	Peek:         true,
}

var previewText = &imap.FetchItemBodySection{
	Specifier: imap.PartSpecifierText,
	Partial:   &imap.SectionPartial{Offset: 0, Size: previewBytes},
	Peek:      true,
}

var fetchNewOptions = &imap.FetchOptions{
	UID:         true,
	Flags:       true, // the unseen count follows without a STATUS
	Envelope:    true,
	BodySection: []*imap.FetchItemBodySection{previewHeader, previewText},
}

// fetchNew fetches every message with UID >= the watermark from the selected
// mailbox, hands each on once, and advances the watermark as it goes. The
// answer streams: memory stays bounded however many messages there are.
// It adds the new messages without \Seen to the mailbox's known unseen count.
func (s *session) fetchNew(ctx context.Context, mbox string, catchUp bool) error {
	w := s.w
	m := w.marks[mbox]
	if mb := s.c.Mailbox(); mb != nil && mb.NumMessages == 0 {
		return nil
	}
	newUnseen := int64(0)
	// "n:*" also returns the highest message when its UID is below n; the
	// uid < m.next filter below drops it.
	set := imap.UIDSet{imap.UIDRange{Start: imap.UID(m.next), Stop: 0}}
	cmd := s.c.Fetch(set, fetchNewOptions)
	sent, inOrder := 0, true
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		buf, err := msg.Collect()
		if err != nil {
			cmd.Close()
			return s.commandErr("fetch", err)
		}
		uid := uint32(buf.UID)
		if uid < m.next {
			if uid != 0 && sent > 0 {
				inOrder = false
			}
			continue
		}
		if !slices.Contains(buf.Flags, imap.FlagSeen) {
			newUnseen++
		}
		ev := newMail(w.cfg.Name, mbox, m.validity, buf, catchUp)
		if !w.send(ctx, ev) {
			cmd.Close()
			return ctx.Err()
		}
		sent++
		// Answers come in sequence order, which is UID order; only then is
		// "everything below uid+1 was handed on" true mid-stream.
		if inOrder {
			m.next = uid + 1
			if sent%fetchBatch == 0 {
				w.save(mbox, m)
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return s.commandErr("fetch", err)
	}
	if !inOrder {
		// Conservative: the next fetch re-reads the range, and the dedup by
		// "uid < next" cannot help; this path exists for odd servers only.
		w.logger.Warn("server answered fetch out of uid order", "mailbox", mbox)
	}
	w.save(mbox, m)
	if sent > 0 {
		w.logger.Debug("new mail", "mailbox", mbox, "count", sent, "catch_up", catchUp)
		w.send(ctx, &Batch{Account: w.cfg.Name, Mailbox: mbox, Count: sent, CatchUp: catchUp})
		if m.unseen >= 0 && newUnseen > 0 {
			s.report(ctx, mbox, m.unseen+newUnseen)
		}
	}
	return nil
}

func newMail(account, mbox string, validity uint32, buf *imapclient.FetchMessageBuffer, catchUp bool) *NewMail {
	ev := &NewMail{Account: account, Mailbox: mbox, UID: uint32(buf.UID), UIDValidity: validity, CatchUp: catchUp}
	if env := buf.Envelope; env != nil {
		ev.Subject = clean(env.Subject, maxHeaderRunes)
		ev.MessageID = clean(env.MessageID, maxHeaderRunes)
		ev.Date = env.Date
		from := env.From
		if len(from) == 0 {
			from = env.Sender
		}
		if len(from) > 0 {
			ev.FromName = clean(from[0].Name, maxHeaderRunes)
			ev.FromAddress = clean(from[0].Addr(), maxHeaderRunes)
		}
	}
	ev.Preview = Preview(buf.FindBodySection(previewHeader), buf.FindBodySection(previewText))
	return ev
}

// recheck makes the server report what it has not pushed — NOOP is answered
// with EXISTS for mail we were not told of, FETCH FLAGS for mail read
// elsewhere — and fetches or recounts only then. recount forces the unread
// count (the user asked to check now).
func (s *session) recheck(ctx context.Context, mbox string, recount bool) error {
	if err := s.await("noop", func() error { return s.c.Noop().Wait() }); err != nil {
		return s.commandErr("noop", err)
	}
	if drain(s.exists) {
		if err := s.fetchNew(ctx, mbox, false); err != nil {
			return err
		}
	}
	if drain(s.flags) || recount || s.w.marks[mbox].unseen < 0 {
		return s.unseen(ctx, mbox)
	}
	return nil
}

// unseen counts the selected mailbox's unread mail with SEARCH (ESEARCH
// COUNT where the server has it) and reports it when it changed. Not STATUS:
// RFC 3501 asks clients not to STATUS the selected mailbox, and Dovecot
// answers it with [CLIENTBUG].
func (s *session) unseen(ctx context.Context, mbox string) error {
	caps := s.c.Caps()
	var opts *imap.SearchOptions
	esearch := caps.Has(imap.CapESearch) || caps.Has(imap.CapIMAP4rev2)
	if esearch {
		opts = &imap.SearchOptions{ReturnCount: true}
	}
	var data *imap.SearchData
	err := s.await("search unseen", func() (err error) {
		data, err = s.c.Search(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, opts).Wait()
		return err
	})
	if err != nil {
		return s.commandErr("search unseen", err)
	}
	n := int64(data.Count)
	if !esearch {
		n = int64(len(data.AllSeqNums()))
	}
	s.report(ctx, mbox, n)
	return nil
}

func (s *session) report(ctx context.Context, mbox string, n int64) {
	m := s.w.marks[mbox]
	if m == nil || m.unseen == n {
		return
	}
	m.unseen = n
	s.w.send(ctx, &Unseen{Account: s.w.cfg.Name, Mailbox: mbox, Count: uint32(n)})
}

func hasIdle(c *imapclient.Client) bool {
	caps := c.Caps()
	return caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2)
}

// watchOne keeps one mailbox: IDLE where the server has it, else polling.
func (s *session) watchOne(ctx context.Context, mbox string, healthy func()) error {
	w := s.w
	if err := s.examine(ctx, mbox); err != nil {
		return err
	}
	if err := s.unseen(ctx, mbox); err != nil {
		return err
	}
	useIdle := hasIdle(s.c)
	// Healthy, and reported so, once IDLE is accepted (in s.idle) or, for
	// polling, now.
	announced := false
	if !useIdle {
		w.state(ctx, StatePolling, nil, time.Time{})
		healthy()
		announced = true
	}
	onIdle := func() {
		if !announced {
			w.state(ctx, StateIdle, nil, time.Time{})
			healthy()
			announced = true
		}
	}
	resync := time.NewTicker(w.cfg.ResyncInterval)
	defer resync.Stop()
	for {
		var reason string
		var err error
		if useIdle {
			reason, err = s.idle(ctx, resync.C, onIdle)
			var ierr *imap.Error
			if errors.As(err, &ierr) {
				// Advertised but refused: poll for the rest of this session.
				w.logger.Warn("server refused IDLE, polling instead", "mailbox", mbox, "err", err)
				useIdle = false
				w.state(ctx, StatePolling, nil, time.Time{})
				healthy()
				announced = true
				continue
			}
		} else {
			reason, err = s.poll(ctx, resync.C)
		}
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		gotFlags := drain(s.flags)
		gotExists := drain(s.exists)
		switch {
		case reason == "resync" || reason == "check":
			// A push may have been lost: ask without fetching the newest
			// message as "UID FETCH n:*" would.
			if err := s.recheck(ctx, mbox, reason == "check"); err != nil {
				return err
			}
		case gotExists:
			// New mail: the fetch updates the unseen count from the flags.
			if err := s.fetchNew(ctx, mbox, false); err != nil {
				return err
			}
			if gotFlags {
				if err := s.unseen(ctx, mbox); err != nil {
					return err
				}
			}
		case gotFlags:
			// Read or deleted elsewhere.
			if err := s.unseen(ctx, mbox); err != nil {
				return err
			}
		}
	}
}

// idle runs one IDLE command until something needs the connection, then
// ends it (DONE and its OK, bounded). It returns why it stopped.
func (s *session) idle(ctx context.Context, resync <-chan time.Time, started func()) (string, error) {
	w := s.w
	cmd, err := s.c.Idle()
	if err != nil {
		var ierr *imap.Error
		if errors.As(err, &ierr) {
			return "", err
		}
		return "", s.commandErr("idle", err)
	}
	started()
	live := time.NewTimer(w.cfg.LivenessTimeout)
	defer live.Stop()
	reason := ""
	for reason == "" {
		select {
		case <-ctx.Done():
			reason = "shutdown"
		case <-s.c.Closed():
			cmd.Close()
			return "", fmt.Errorf("idle: %w", errConnLost)
		case <-s.bye:
			return "", s.byeErr()
		case <-s.exists:
			signal(s.exists) // keep it for the caller
			reason = "exists"
		case <-s.flags:
			signal(s.flags)
			reason = "flags"
		case <-resync:
			reason = "resync"
		case <-w.checkNow:
			reason = "check"
		case <-w.wake:
			cmd.Close()
			return "", errWake
		case now := <-live.C:
			// Any byte counts as life; after LivenessTimeout of silence the
			// server must answer DONE within CommandTimeout or we reconnect.
			if silent := s.lc.silentFor(now); silent < w.cfg.LivenessTimeout {
				live.Reset(w.cfg.LivenessTimeout - silent)
				continue
			}
			reason = "liveness"
		}
	}
	err = s.await("idle done", func() error {
		if err := cmd.Close(); err != nil {
			return err
		}
		return cmd.Wait()
	})
	if err != nil {
		if reason == "liveness" {
			w.logger.Warn("server silent, reconnecting", "mailbox", s.selected, "silent", s.lc.silentFor(time.Now()).Round(time.Millisecond))
		}
		return "", s.commandErr("idle done", err)
	}
	return reason, nil
}

// poll waits for the next poll tick and sends NOOP, which makes the server
// report EXISTS and flag changes through the unilateral handler.
func (s *session) poll(ctx context.Context, resync <-chan time.Time) (string, error) {
	w := s.w
	t := time.NewTimer(w.cfg.PollInterval)
	defer t.Stop()
	reason := "poll"
	select {
	case <-ctx.Done():
		return "shutdown", nil
	case <-s.c.Closed():
		return "", fmt.Errorf("poll: %w", errConnLost)
	case <-s.bye:
		return "", s.byeErr()
	case <-w.wake:
		return "", errWake
	case <-t.C:
	case <-resync:
		reason = "resync"
	case <-w.checkNow:
		reason = "check"
	}
	if err := s.await("noop", func() error { return s.c.Noop().Wait() }); err != nil {
		return "", s.commandErr("noop", err)
	}
	return reason, nil
}

// watchMany checks several mailboxes over one connection with STATUS, every
// PollInterval: the folders beyond max_connections.
func (s *session) watchMany(ctx context.Context, healthy func()) error {
	w := s.w
	first := true
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		for _, mbox := range w.mailboxes {
			var st *imap.StatusData
			err := s.await("status "+mbox, func() (err error) {
				st, err = s.c.Status(mbox, &imap.StatusOptions{UIDNext: true, UIDValidity: true, NumUnseen: true}).Wait()
				return err
			})
			if err != nil {
				var ierr *imap.Error
				if errors.As(err, &ierr) && ierr.Type == imap.StatusResponseTypeNo {
					return fmt.Errorf("%w: %s: %s", ErrMailboxMissing, mbox, ierr.Text)
				}
				return s.commandErr("status "+mbox, err)
			}
			if err := s.sync(ctx, mbox, st.UIDValidity, uint32(st.UIDNext), first); err != nil {
				return err
			}
			if st.NumUnseen != nil {
				s.report(ctx, mbox, int64(*st.NumUnseen))
			}
		}
		if first {
			w.state(ctx, StatePolling, nil, time.Time{})
			healthy()
			first = false
		}
		t.Reset(w.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.c.Closed():
			return fmt.Errorf("poll: %w", errConnLost)
		case <-s.bye:
			return s.byeErr()
		case <-w.wake:
			return errWake
		case <-t.C:
		case <-w.checkNow:
		}
	}
}
