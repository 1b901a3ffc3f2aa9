package badimap

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Command is one command as idlebell sent it: the first line, without CRLF.
type Command struct {
	Tag  string // empty for DONE
	Name string // upper case; "UID FETCH", "LOGIN", "IDLE", "DONE", ...
	Line string // the whole first line (a literal's contents are not in it)
}

// Rule changes what the server sends once idlebell sent a command.
type Rule struct {
	// Command is the command's name as Command.Name spells it; "" fires on
	// connect, before the greeting.
	Command string
	// Times is how often the rule fires in all, over every connection;
	// afterwards the server behaves. 0 fires every time.
	Times int
	// Action is what happens to the server's answer from then on.
	Action Action

	fired atomic.Int64
}

// take reports whether the rule fires now, and the how-manieth firing it is.
func (r *Rule) take() (int, bool) {
	n := int(r.fired.Add(1)) - 1
	if r.Times > 0 && n >= r.Times {
		return n, false
	}
	return n, true
}

// Fired is how often the rule fired so far.
func (r *Rule) Fired() int {
	n := int(r.fired.Load())
	if r.Times > 0 && n > r.Times {
		return r.Times
	}
	return n
}

type actionKind int

const (
	actNone actionKind = iota
	actCut
	actCloseAfterContinuation
	actStall
	actSend
	actFreeze
	actRewrite
	actDropLine
)

// Action is what a Rule does to the server's answer.
type Action struct {
	kind  actionKind
	bytes []int
	send  func(w io.Writer, cmd Command) error
	old   []byte
	new   []byte
}

// Pass lets the answer through unchanged. A Rule with Pass and Times lets
// the first commands through before a later Rule for the same command fires.
func Pass() Action { return Action{kind: actNone} }

// Cut passes this many bytes of the answer, then closes the connection. The
// n-th firing of the rule uses bytes[n % len(bytes)].
func Cut(bytes ...int) Action { return Action{kind: actCut, bytes: bytes} }

// CloseAfterContinuation passes the answer up to and including the first
// continuation request ("+ ..."), then closes the connection: IDLE accepted,
// then gone.
func CloseAfterContinuation() Action { return Action{kind: actCloseAfterContinuation} }

// Stall drops every answer from now on and replies to each later command
// with an untagged "* OK" only, never a tagged status: the connection stays
// open and looks alive.
func Stall() Action { return Action{kind: actStall} }

// Send replaces the answer with what send writes (the server's own answer
// is dropped); the connection is closed when send returns or fails.
func Send(send func(w io.Writer, cmd Command) error) Action {
	return Action{kind: actSend, send: send}
}

// Rewrite replaces old with new in everything the server sends from now on
// (each write on its own: go-imap's server writes a response at once). The
// rule's other effects are none: later rules still fire.
func Rewrite(old, new string) Action {
	return Action{kind: actRewrite, old: []byte(old), new: []byte(new)}
}

// DropLine removes the next n lines of the server's output that start with
// prefix and end with suffix (CRLF not counted): a push lost on the way, as
// a middlebox or a server bug loses it. The rule's other effects are none.
func DropLine(prefix, suffix string, n int) Action {
	return Action{kind: actDropLine, old: []byte(prefix), new: []byte(suffix), bytes: []int{n}}
}

// Freeze makes the connection go silent in both directions while both
// sockets stay open: a dead NAT entry or a suspended laptop.
func Freeze() Action { return Action{kind: actFreeze} }

// wire sits on the connection to idlebell. It reads idlebell's commands as
// they pass (Read) and applies the rules to what the server writes (Write).
type wire struct {
	net.Conn
	rules []*Rule
	wg    *sync.WaitGroup // the owner's: Send goroutines

	// Read side (one goroutine reads): command parsing.
	line    []byte
	literal int64 // command literal bytes still to skip
	cont    bool  // the current line continues a command after a literal

	mu       sync.Mutex
	act      actionKind
	cutLeft  int
	atStart  bool // the server's output is at the start of a line
	closed   bool
	frozen   bool
	rewrites []Action
	drops    []*drop
}

// drop is a DropLine in force on a connection.
type drop struct {
	prefix, suffix []byte
	left           int
}

// dropLines removes the lines the drops match from p (whole lines only: a
// line split across writes passes).
func (w *wire) dropLines(p []byte) []byte {
	out := p[:0:0]
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		line := p
		if i >= 0 {
			line = p[:i+1]
		}
		p = p[len(line):]
		body := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		dropped := false
		for _, d := range w.drops {
			if d.left > 0 && bytes.HasPrefix(body, d.prefix) && bytes.HasSuffix(body, d.suffix) {
				d.left--
				dropped = true
				break
			}
		}
		if !dropped {
			out = append(out, line...)
		}
	}
	return out
}

func newWire(c net.Conn, rules []*Rule, wg *sync.WaitGroup) *wire {
	w := &wire{Conn: c, rules: rules, wg: wg, atStart: true}
	w.fire(Command{}, true)
	return w
}

// maxCommandLine bounds what is kept of one command line; the rest is
// passed on but not looked at.
const maxCommandLine = 4096

func (w *wire) Read(p []byte) (int, error) {
	for {
		n, err := w.Conn.Read(p)
		w.commands(p[:n])
		w.mu.Lock()
		frozen := w.frozen
		w.mu.Unlock()
		if frozen && err == nil {
			continue // swallowed
		}
		return n, err
	}
}

// commands splits idlebell's bytes into command lines and fires the rules.
func (w *wire) commands(p []byte) {
	for len(p) > 0 {
		if w.literal > 0 {
			k := int(min(w.literal, int64(len(p))))
			w.literal -= int64(k)
			p = p[k:]
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.keep(p)
			return
		}
		w.keep(p[:i])
		p = p[i+1:]
		line := strings.TrimSuffix(string(w.line), "\r")
		w.line = w.line[:0]
		first := !w.cont
		w.cont = false
		if n, ok := literalSize(line); ok {
			w.literal = n
			w.cont = true
		}
		if first {
			w.fire(parseCommand(line), false)
		}
	}
}

func (w *wire) keep(p []byte) {
	if room := maxCommandLine - len(w.line); room > 0 {
		w.line = append(w.line, p[:min(room, len(p))]...)
	}
}

// literalSize reads a trailing "{n}" or "{n+}".
func literalSize(line string) (int64, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false
	}
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(line[i+1:len(line)-1], "+"), 10, 64)
	return n, err == nil && n >= 0
}

func parseCommand(line string) Command {
	f := strings.Fields(line)
	switch {
	case len(f) == 0:
		return Command{Name: "", Line: line}
	case len(f) == 1:
		return Command{Name: strings.ToUpper(f[0]), Line: line}
	}
	name := strings.ToUpper(f[1])
	if name == "UID" && len(f) > 2 {
		name += " " + strings.ToUpper(f[2])
	}
	return Command{Tag: f[0], Name: name, Line: line}
}

// fire applies the first rule that matches cmd, or with connect the rule
// for the connect itself.
func (w *wire) fire(cmd Command, connect bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.act == actStall && !connect {
		w.Conn.Write([]byte("* OK still working on it\r\n"))
		return
	}
	for _, r := range w.rules {
		if (r.Command == "") != connect || (!connect && r.Command != cmd.Name) {
			continue
		}
		n, ok := r.take()
		if !ok {
			continue
		}
		w.start(r.Action, n, cmd)
		return
	}
}

func (w *wire) start(a Action, n int, cmd Command) {
	if a.kind == actRewrite {
		w.rewrites = append(w.rewrites, a)
		return
	}
	if a.kind == actDropLine {
		w.drops = append(w.drops, &drop{prefix: a.old, suffix: a.new, left: a.bytes[0]})
		return
	}
	w.act = a.kind
	switch a.kind {
	case actCut:
		w.cutLeft = a.bytes[n%len(a.bytes)]
		if w.cutLeft == 0 {
			w.closeLocked()
		}
	case actStall:
		w.Conn.Write([]byte("* OK still working on it\r\n"))
	case actFreeze:
		w.frozen = true
	case actSend:
		w.wg.Add(1)
		go func() { // ends when send returns, which a closed connection forces
			defer w.wg.Done()
			a.send(w.Conn, cmd)
			w.mu.Lock()
			w.closeLocked()
			w.mu.Unlock()
		}()
	}
}

func (w *wire) closeLocked() {
	if !w.closed {
		w.closed = true
		w.Conn.Close()
	}
}

// Close is the server (or the proxy's other side) closing the connection.
// A stalled or frozen connection stays open: it looks alive to idlebell
// until kill.
func (w *wire) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.act == actStall || w.act == actFreeze {
		return nil
	}
	w.closeLocked()
	return nil
}

// kill closes the connection whatever the rules say.
func (w *wire) kill() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closeLocked()
}

// Write is the server's output to idlebell.
func (w *wire) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, net.ErrClosed
	}
	n := len(p)
	for _, r := range w.rewrites {
		p = bytes.ReplaceAll(p, r.old, r.new)
	}
	if len(w.drops) > 0 {
		p = w.dropLines(p)
	}
	if _, err := w.write(p); err != nil {
		return 0, err
	}
	return n, nil
}

func (w *wire) write(p []byte) (int, error) {
	switch w.act {
	case actStall, actSend, actFreeze:
		return len(p), nil // dropped
	case actCut:
		k := min(w.cutLeft, len(p))
		if k > 0 {
			w.Conn.Write(p[:k])
		}
		w.cutLeft -= k
		if w.cutLeft == 0 {
			w.closeLocked()
			return k, net.ErrClosed
		}
		return len(p), nil
	case actCloseAfterContinuation:
		for i, b := range p {
			if w.atStart && b == '+' {
				end := bytes.IndexByte(p[i:], '\n')
				if end < 0 {
					end = len(p) - 1 - i
				}
				w.Conn.Write(p[:i+end+1])
				w.closeLocked()
				return len(p), nil
			}
			w.atStart = b == '\n'
		}
	default:
		if len(p) > 0 {
			w.atStart = p[len(p)-1] == '\n'
		}
	}
	return w.Conn.Write(p)
}

// Freeze freezes the connection now (see Freeze).
func (w *wire) freeze() {
	w.mu.Lock()
	w.act, w.frozen = actFreeze, true
	w.mu.Unlock()
}
