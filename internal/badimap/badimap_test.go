package badimap

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// rawClient talks IMAP by hand, so the test sees exactly what went out.
type rawClient struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// A bound on a test that would otherwise hang on a broken server.
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawClient{t: t, c: c, r: bufio.NewReader(c)}
}

func (rc *rawClient) send(line string) {
	rc.t.Helper()
	if _, err := fmt.Fprintf(rc.c, "%s\r\n", line); err != nil {
		rc.t.Fatal(err)
	}
}

// until reads lines until one starts with prefix and returns it.
func (rc *rawClient) until(prefix string) string {
	rc.t.Helper()
	for {
		line, err := rc.r.ReadString('\n')
		if err != nil {
			rc.t.Fatalf("waiting for %q: %v", prefix, err)
		}
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
}

func start(t *testing.T, b ...Behaviour) *Server {
	t.Helper()
	s, err := Start(Options{}, b...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.AddUser("alice", "pw-1234"); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSilentLogin(t *testing.T) {
	s := start(t, SilentLogin())
	rc := dialRaw(t, s.Addr)
	rc.until("* OK")
	rc.send("a1 LOGIN alice pw-1234")
	rc.until("* OK still")
	rc.send("a2 NOOP")
	if line := rc.until("* OK still"); strings.HasPrefix(line, "a") {
		t.Errorf("tagged answer %q, want none", line)
	}
}

func TestEchoLogin(t *testing.T) {
	s := start(t, EchoLogin())
	rc := dialRaw(t, s.Addr)
	rc.until("* OK")
	rc.send("a1 LOGIN alice pw-1234")
	if line := rc.until("a1 "); !strings.Contains(line, "NO") || !strings.Contains(line, "pw-1234") {
		t.Errorf("LOGIN answer = %q, want NO repeating the password", line)
	}
}

func TestCutFetch(t *testing.T) {
	s := start(t, CutFetch(1, 10))
	if _, err := s.Append("alice", "INBOX", ByeInBody("one")); err != nil {
		t.Fatal(err)
	}
	for i, wantCut := range []bool{true, false} {
		rc := dialRaw(t, s.Addr)
		rc.until("* OK")
		rc.send("a1 LOGIN alice pw-1234")
		rc.until("a1 OK")
		rc.send("a2 EXAMINE INBOX")
		rc.until("a2 OK")
		rc.send("a3 UID FETCH 1:* (UID ENVELOPE)")
		var got strings.Builder
		for {
			line, err := rc.r.ReadString('\n')
			got.WriteString(line)
			if err != nil || strings.HasPrefix(line, "a3 ") {
				break
			}
		}
		cut := !strings.Contains(got.String(), "a3 OK")
		if cut != wantCut || (cut && got.Len() != 10) {
			t.Errorf("connection %d: answer %q (%d bytes), want cut after 10 bytes: %v", i+1, got.String(), got.Len(), wantCut)
		}
	}
	if n := len(s.Conns()); n != 2 {
		t.Errorf("Conns() = %d connections, want 2", n)
	}
}

func TestHugeLiteral(t *testing.T) {
	s := start(t, HugeLiteral("BODY[TEXT]<0>"))
	s.Append("alice", "INBOX", ByeInBody("one"))
	rc := dialRaw(t, s.Addr)
	rc.until("* OK")
	rc.send("a1 LOGIN alice pw-1234")
	rc.until("a1 OK")
	rc.send("a2 EXAMINE INBOX")
	rc.until("a2 OK")
	rc.send("a3 UID FETCH 7:* (UID BODY.PEEK[TEXT]<0.200>)")
	if line := rc.until("* 1 FETCH"); line != "* 1 FETCH (UID 7 BODY[TEXT]<0> {4294967295}\r\n" {
		t.Errorf("FETCH answer = %q, want a literal of 4294967295 bytes", line)
	}
}

func TestCloseAfterIdle(t *testing.T) {
	s := start(t, CloseAfterIdle())
	rc := dialRaw(t, s.Addr)
	rc.until("* OK")
	rc.send("a1 LOGIN alice pw-1234")
	rc.until("a1 OK")
	rc.send("a2 SELECT INBOX")
	rc.until("a2 OK")
	rc.send("a3 IDLE")
	rc.until("+ ")
	if line, err := rc.r.ReadString('\n'); err == nil {
		t.Errorf("after IDLE's continuation: %q, want the connection closed", line)
	}
}

func TestProxyCut(t *testing.T) {
	s := start(t)
	p, err := NewProxy(s.Addr, Behaviour{Rules: []*Rule{{Command: "LOGIN", Action: Cut(3)}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	rc := dialRaw(t, p.Addr)
	rc.until("* OK")
	rc.send("a1 LOGIN alice pw-1234")
	buf := make([]byte, 64)
	n, _ := rc.r.Read(buf)
	if got := string(buf[:n]); got != "a1 " {
		t.Errorf("through the proxy: %q, want the answer cut after 3 bytes", got)
	}
	if _, err := rc.r.ReadByte(); err == nil {
		t.Error("connection still open after the cut")
	}
}
