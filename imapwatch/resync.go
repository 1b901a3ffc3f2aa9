package imapwatch

import "time"

// The periodic resync is what finds a push lost on the way, and each costs
// a DONE, a UID SEARCH and an IDLE on the wire (about 110 bytes sent over
// TLS). While resyncs find nothing missing, the interval doubles up to
// Config.MaxResyncInterval, which keeps an idle account under 300 bytes
// sent per hour; liveness does not depend on it (any byte from the server
// counts as life, see Config.LivenessTimeout, and TCP keep-alive runs below).

// resynced adapts the interval after a resync and returns the next one:
// longer when the resync found nothing the server had not pushed, back to
// Config.ResyncInterval when it found some.
func (sv *supervisor) resynced(found bool) time.Duration {
	if found {
		sv.resyncEvery = sv.cfg.ResyncInterval
	} else {
		sv.resyncEvery = min(2*sv.resyncEvery, sv.cfg.MaxResyncInterval)
	}
	return sv.resyncEvery
}

// droppedSilently brings the interval back to Config.ResyncInterval after
// the connection died without a word (no BYE): this path loses packets.
func (sv *supervisor) droppedSilently() {
	if sv.resyncEvery != sv.cfg.ResyncInterval {
		sv.logger.Debug("resync interval back to its base after a silent drop", "interval", sv.cfg.ResyncInterval)
	}
	sv.resyncEvery = sv.cfg.ResyncInterval
}
