// Package imapwatch watches IMAP mailboxes and reports each new message
// once, the moment the server says it arrived: IDLE (RFC 2177) where the
// server has it, NOOP polling where it does not, a STATUS poll (RFC 3501
// §6.3.10) for the folders beyond an account's connections. It imports
// go-imap, mailtext and the standard library, never the UI or settings;
// the bridge package builds its Config from settings.
//
// One new mail, from the server to the front, file by file:
//
//	Manager.Apply → supervisor.run          one goroutine per connection; backoff    supervisor.go, backoff.go
//	  runSession → dial, login              TCP, TLS or STARTTLS, LOGIN or OAuth2    session.go, dial.go, tls.go, login.go
//	    watchOne → examine, sync            EXAMINE; UIDVALIDITY, UIDNEXT vs ledger  idle.go, sync.go, ledger.go
//	      idle (or poll, statuspoll)        IDLE until the server speaks             idle.go, poll.go, statuspoll.go
//	"* N EXISTS" → UnilateralDataHandler    go-imap's reader; signal(exists)         session.go
//	      idle returns → fetchNew, fetchSet DONE; UID FETCH next:*; drop uid < next  fetch.go
//	        newPendingMail, fetchPreviews   mailtext builds the NewMail              newmail.go, headerfields.go
//	        announce → ledger.handOn, send  once per UID; Manager.Events()           announce.go, supervisor.go
//	        send(*Batch), back to IDLE      the fetch's end: digests, batch hooks    fetch.go, event.go
//	the front: NewMail.Delivered()          the watermark passes the UID, saved      ledger.go
//
// Every goroutine is owned: the Manager owns the supervisors and waits for
// them in Close; a session owns its interrupter. Errors are classified once
// (errors.go, classify.go): the permanent ones park a connection until
// CheckNow or a new Config (a missing or forbidden folder is also tried
// again every 5 minutes); the others are retried with backoff.
package imapwatch
