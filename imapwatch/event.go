package imapwatch

import "time"

// Event is what the watcher reports: *NewMail, *Batch, *StateChange, *Unseen
// or *Gone.
// Events are plain values; no go-imap type leaks out of this package.
type Event interface{ isEvent() }

// NewMail is one message that arrived in a watched mailbox. Each message is
// reported exactly once per (Account, Mailbox, UIDValidity, UID), also across
// restarts, as long as the watermark store keeps its promise.
type NewMail struct {
	Account     string
	Mailbox     string
	UID         uint32
	UIDValidity uint32
	// The rest is read from the message as package mailtext reads it: all
	// text decoded to UTF-8, cleaned of control and format characters.
	MessageID   string    // without angle brackets, may be empty
	FromName    string    // the sender's display name (mailtext.Sender), may be empty
	FromAddress string    // local@domain, empty when the message names no usable address
	Subject     string    // at most mailtext.MaxHeaderRunes runes
	Date        time.Time // the Date header; zero when missing or unreadable
	Preview     string    // the start of the text, at most mailtext.MaxPreviewRunes runes
	// CatchUp is true for mail that arrived while idlebell was not watching
	// (offline, asleep, stopped, reconnecting). The UI digests these.
	CatchUp bool

	// ack links the mail to its mailbox's watermark (see Delivered).
	ack *delivery
}

// State is a connection's state as the user should see it.
type State int

const (
	StateConnecting   State = iota
	StateIdle               // connected, IDLE running: push
	StatePolling            // connected, server lacks IDLE: polling
	StateReconnecting       // lost; waiting RetryAt, then connecting again
	StateFailed             // permanent error; no retry until config changes or Retry
	StateStopped            // account removed or watcher shut down
)

func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateIdle:
		return "idle"
	case StatePolling:
		return "polling"
	case StateReconnecting:
		return "reconnecting"
	case StateFailed:
		return "failed"
	case StateStopped:
		return "stopped"
	}
	return "unknown"
}

// StateChange reports a connection's new state. Err is set for
// StateReconnecting and StateFailed; classify it with errors.Is against the
// Err* sentinels of this package. For StateIdle and StatePolling it is nil
// or a warning: ErrStateLost. Note carries informational messages such as
// a UIDVALIDITY re-baseline.
type StateChange struct {
	Account string
	Mailbox string
	State   State
	Err     error
	RetryAt time.Time // zero unless State == StateReconnecting
	Note    string
}

// Unseen is the number of messages without \Seen in a mailbox.
type Unseen struct {
	Account string
	Mailbox string
	Count   uint32
}

// Batch follows the NewMail events of one fetch: the mail that one wake-up
// of a connection found (a push, a poll, a catch-up after reconnecting).
// Hooks that sync rather than notify run once per Batch; the UI digests a
// catch-up Batch into one bubble.
type Batch struct {
	Account string
	Mailbox string
	Count   int
	CatchUp bool
}

// GoneReason says why an announced message no longer needs attention.
type GoneReason string

const (
	GoneSeen     GoneReason = `\Seen`    // read in another client (or by Mark as read)
	GoneExpunged GoneReason = "expunged" // deleted or moved away
)

// Gone says that a message announced by this watcher was read or expunged
// meanwhile, as the server reported it during IDLE: a front withdraws the
// mail's bubble. It is reported at most once per message, for the last
// messages the connection announced (a bounded number), and only while the
// connection that announced them lives.
type Gone struct {
	Account     string
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	Reason      GoneReason
}

func (*Batch) isEvent()       {}
func (*Gone) isEvent()        {}
func (*NewMail) isEvent()     {}
func (*StateChange) isEvent() {}
func (*Unseen) isEvent()      {}
