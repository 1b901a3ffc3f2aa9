package mailtext

import (
	"bytes"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"idlebell/internal/mailcases"
)

// serverView computes what idlebell shows for a raw message, fetching it as
// imapwatch does from a server, but with go-imap's own server-side
// extraction (what the in-process server answers): the header fields in
// HeaderWindow bytes, those Refetch names alone, Sender and Reply-To when
// From names nobody, the legacy display part of a mail whose Subject is a
// placeholder (protected headers), the BODYSTRUCTURE, then the chosen part's first bytes in NextFetch's steps.
// It returns the JSON fields by name and the bytes of the part fetched.
func serverView(raw []byte) (map[string]string, int) {
	msg := mailcases.CRLF(raw)
	bs := imapserver.ExtractBodyStructure(bytes.NewReader(msg))
	p, cs, ok := ChoosePart(bs)
	fetchFields := func(names []string, size uint32) HeaderBlock {
		return NewHeaderBlock(imapserver.ExtractBodySection(bytes.NewReader(msg), &imap.FetchItemBodySection{
			Specifier: imap.PartSpecifierHeader, HeaderFields: names, Peek: true,
			Partial: &imap.SectionPartial{Size: int64(size)}}), size)
	}
	first := fetchFields(HeaderFields, HeaderWindow)
	blocks := []HeaderBlock{first}
	for _, f := range Refetch(first, cs) {
		blocks = append(blocks, fetchFields([]string{f}, FieldWindow(f)))
	}
	h := ParseHeaderBlocks(cs, blocks...)
	if h.NoFrom {
		h = ParseHeaderBlocks(cs, append(blocks, fetchFields(FallbackFields, HeaderWindow))...)
	}
	if lp, found := LegacyDisplayPart(bs); found && ObscuredSubject(h.Subject) {
		data := imapserver.ExtractBodySection(bytes.NewReader(msg), &imap.FetchItemBodySection{
			Part: lp.Path, Peek: true, Partial: &imap.SectionPartial{Size: LegacyDisplayFetch}})
		if s := ProtectedSubject(lp, data); s != "" {
			h.Subject = s
		}
	}
	fields := map[string]string{
		"from": h.FromName, "from_address": h.FromAddress, "subject": h.Subject, "message_id": h.MessageID,
	}
	if !h.Date.IsZero() {
		fields["date"] = h.Date.Format(time.RFC3339)
	}
	var have []byte
	complete := false
	for ok {
		if alt, ok := Fallback(p, have, complete); ok {
			p, have, complete = alt, nil, false
		}
		n := NextFetch(p, have, complete)
		if n == 0 {
			break
		}
		chunk := imapserver.ExtractBodySection(bytes.NewReader(msg), &imap.FetchItemBodySection{
			Part: p.Path, Peek: true, Partial: &imap.SectionPartial{Offset: int64(len(have)), Size: int64(n)}})
		have = append(have, chunk...)
		complete = uint32(len(chunk)) < n
	}
	if ok {
		fields["preview"] = Preview(p, have, complete)
	}
	return fields, len(have)
}

// TestCases: every line of every case's expect.tsv holds for what the
// package makes of the message as a server hands it out.
func TestCases(t *testing.T) {
	cases, err := mailcases.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 8 {
		t.Fatalf("mailcases.All() = %d cases, want at least the 8 shared ones", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			views := map[string]map[string]string{}
			for _, f := range c.Files {
				views[f], _ = serverView(c.Messages[f])
			}
			for _, ck := range c.Checks {
				if got := views[ck.File][ck.Field]; !ck.Holds(got) {
					t.Errorf("%s: %s = %q", ck, ck.Field, got)
				}
			}
		})
	}
}
