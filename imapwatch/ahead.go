package imapwatch

import (
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// aheadFetch is the UID FETCH of new mail written right behind the DONE that
// ended IDLE, in the same write (one TLS record, no wait for the IDLE's OK
// in between: RFC 3501 section 5.5 lets a client send a command before the
// previous one completed). fetchNew's first round takes it instead of
// writing its own; a fetch that does not come for it drops it.
type aheadFetch struct {
	set string // the UID set asked for, as written
	cmd *imapclient.FetchCommand
}

// fetchAhead writes the UID FETCH that fetchNew would write next for the
// selected mailbox, if it would write one at once: not past UID 4294967295,
// not on an empty mailbox, not while a link that cut answers makes fetches
// begin with a UID SEARCH. Called with the IDLE ended (DONE written or
// held), before its OK is read; the caller waits for that OK before it
// reads the FETCH's answer, which the server sends after it.
func (s *session) fetchAhead() {
	m := s.sv.mark(s.selected)
	if m.fetchLimit != 0 {
		return
	}
	set, _, ok := s.newSet(s.selected)
	if !ok {
		return
	}
	s.ahead = &aheadFetch{set: set.String(), cmd: s.c.Fetch(set, s.fetchOptions(m))}
}

// takeAhead returns the UID FETCH of set written ahead, or writes one with
// opts. A FETCH written ahead of another set is dropped first.
func (s *session) takeAhead(set imap.UIDSet, opts *imap.FetchOptions) *imapclient.FetchCommand {
	if a := s.ahead; a != nil && a.set == set.String() {
		s.ahead = nil
		return a.cmd
	}
	s.dropAhead()
	return s.c.Fetch(set, opts)
}

// dropAhead reads and discards the answer of a UID FETCH written ahead that
// no fetch took (the session ends, or the mailbox emptied meanwhile), so
// that go-imap's reader is not left waiting for someone to read it. It is
// bounded like any command; its error is that of the connection, which the
// next command reports.
func (s *session) dropAhead() {
	a := s.ahead
	if a == nil {
		return
	}
	s.ahead = nil
	s.await("fetch ahead", a.cmd.Close)
}
