// Package mailcases holds real-world message shapes and what idlebell must
// show for each: the messages and their expect.tsv files under cases/, one
// folder per shape, embedded so that the tests and benchmarks of every
// package read the same files on any checkout. cases/README.md explains
// the format.
package mailcases

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/emersion/go-message/textproto"
)

//go:embed cases
var files embed.FS

// Case is one shape: its messages by file name and the checks they must pass.
type Case struct {
	Name     string
	Messages map[string][]byte // file name → the message as the file holds it
	Files    []string          // the message file names, sorted
	Checks   []Check
}

// Check is one line of expect.tsv: FILE, FIELD, OP, VALUE.
type Check struct {
	File, Field, Op, Value string
	Line                   int
}

// All reads every case, sorted by name.
func All() ([]Case, error) {
	dirs, err := fs.ReadDir(files, "cases")
	if err != nil {
		return nil, err
	}
	var out []Case
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		c, err := read(d.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func read(name string) (Case, error) {
	c := Case{Name: name, Messages: map[string][]byte{}}
	entries, err := fs.ReadDir(files, path.Join("cases", name))
	if err != nil {
		return c, err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".eml") {
			b, err := fs.ReadFile(files, path.Join("cases", name, e.Name()))
			if err != nil {
				return c, err
			}
			c.Messages[e.Name()] = b
			c.Files = append(c.Files, e.Name())
		}
	}
	sort.Strings(c.Files)
	tsv, err := fs.ReadFile(files, path.Join("cases", name, "expect.tsv"))
	if err != nil {
		return c, err
	}
	for i, line := range strings.Split(strings.TrimRight(string(tsv), "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		if len(f) != 4 {
			return c, fmt.Errorf("%s/expect.tsv:%d: want 4 tab-separated fields, have %d", name, i+1, len(f))
		}
		if _, ok := c.Messages[f[0]]; !ok {
			return c, fmt.Errorf("%s/expect.tsv:%d: no message file %q", name, i+1, f[0])
		}
		switch f[2] {
		case "eq", "has", "not", "oneof":
		default:
			return c, fmt.Errorf("%s/expect.tsv:%d: unknown op %q", name, i+1, f[2])
		}
		c.Checks = append(c.Checks, Check{File: f[0], Field: f[1], Op: f[2], Value: f[3], Line: i + 1})
	}
	return c, nil
}

// Holds says whether got passes the check, both sides with every run of
// whitespace made one space and trimmed.
func (c Check) Holds(got string) bool {
	g, v := norm(got), norm(c.Value)
	switch c.Op {
	case "eq":
		return g == v
	case "has":
		return strings.Contains(g, v)
	case "not":
		return !strings.Contains(g, v)
	case "oneof":
		for _, alt := range strings.Split(c.Value, " || ") {
			if g == norm(alt) {
				return true
			}
		}
	}
	return false
}

func (c Check) String() string {
	return fmt.Sprintf("%s %s %s %q (expect.tsv line %d)", c.File, c.Field, c.Op, c.Value, c.Line)
}

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// MessageID is the Message-ID of a raw message without angle brackets, as
// idlebell's NewMail carries it: how a test finds the mail of a file. It is
// empty when the value is not in the form "<left@right>" (RFC 5322
// §3.6.4): idlebell carries no Message-ID for such a message.
func MessageID(raw []byte) string {
	v := strings.TrimSpace(header(raw).Get("Message-Id"))
	id, ok := strings.CutPrefix(v, "<")
	if id, ok = strings.CutSuffix(id, ">"); !ok {
		return ""
	}
	if at := strings.LastIndexByte(id, '@'); at <= 0 || at == len(id)-1 || strings.ContainsAny(id, " \t<>") {
		return ""
	}
	return id
}

// Find is how a test finds the mail of a file among those idlebell
// announced: the JSON field and its value. That is its Message-ID
// ("message_id", without brackets, see MessageID) or, for a file without
// one idlebell takes ("none", "<@localhost>"), its Subject ("subject"),
// which such files keep short, plain ASCII and unique.
func Find(raw []byte) (field, value string) {
	if id := MessageID(raw); id != "" {
		return "message_id", id
	}
	return "subject", strings.TrimSpace(header(raw).Get("Subject"))
}

func header(raw []byte) *textproto.Header {
	h, _ := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	return &h
}

// CRLF returns the message with every line ending in CRLF, as IMAP APPEND
// wants it.
func CRLF(raw []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}
