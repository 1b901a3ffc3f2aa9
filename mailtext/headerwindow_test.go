package mailtext

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"idlebell/internal/mailcases"
)

func TestMessageID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<a.b@example.org>", "a.b@example.org"},
		{"  (comment) <a@b>  (c)", "a@b"},
		{"\r\n <folded@example.org>", "folded@example.org"},
		{"<first@x> <second@x>", "first@x"},
		{"none", ""},                   // a placeholder, shared by many mails
		{"<@localhost>", ""},           // no left part
		{"<abc@>", ""},                 // no right part
		{"<abc>", ""},                  // no '@'
		{"1234.5678@host.example", ""}, // no brackets: brackets would be ours
		{"<cut-by-a-window@exam", ""},  // not closed
		{"<a b@c>", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := messageID(tt.in); got != tt.want {
			t.Errorf("messageID(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := ParseHeaders([]byte("Message-ID: "+tt.in+"\r\n\r\n"), "").MessageID; got != tt.want {
			t.Errorf("ParseHeaders(Message-ID: %q).MessageID = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewHeaderBlock(t *testing.T) {
	tests := []struct {
		data string
		size uint32
		cut  bool
	}{
		{"Subject: a\r\n\r\n", 9999, false},
		{"Subject: a\r\n\r\n", 14, false}, // exactly the size, and ended
		{"Subject: abc", 12, true},
		{"Subject: a\r\n", 12, true}, // a folded line may follow
		{"", 10, false},
	}
	for _, tt := range tests {
		if got := NewHeaderBlock([]byte(tt.data), tt.size).Cut; got != tt.cut {
			t.Errorf("NewHeaderBlock(%q, %d).Cut = %v, want %v", tt.data, tt.size, got, tt.cut)
		}
	}
}

// window is the first HeaderWindow bytes of a header block, as a server
// answers BODY[HEADER.FIELDS (...)]<0.9999>.
func window(block string, size uint32) HeaderBlock {
	if uint32(len(block)) > size {
		block = block[:size]
	}
	return NewHeaderBlock([]byte(block), size)
}

// TestHeaderWindowCut: a field that the window cut is never used as if
// whole, the fields it left out are fetched alone, and ordinary mail
// fetches nothing more.
func TestHeaderWindowCut(t *testing.T) {
	long := "Subject: " + strings.Repeat("lorem ", 4000) + "\r\n"
	date := "Date: Mon, 30 Nov 2026 06:00:00 +0100\r\n"
	from := "From: Real Sender <real@example.org>\r\n"
	id := "Message-ID: <the-id@example.org>\r\n"
	when := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)

	// Ordinary mail: nothing cut, nothing to fetch again.
	first := window(from+"Subject: hi\r\n"+date+id+"\r\n", HeaderWindow)
	if got := Refetch(first, ""); got != nil {
		t.Errorf("Refetch(ordinary mail) = %q, want nil", got)
	}

	// A long Subject first: From, Date and Message-ID are left out and
	// fetched alone; the Subject is shown cut.
	first = window(long+from+date+id+"\r\n", HeaderWindow)
	if got, want := Refetch(first, ""), []string{"From", "Date", "Message-ID"}; !slices.Equal(got, want) {
		t.Errorf("Refetch(long Subject first) = %q, want %q", got, want)
	}
	h := ParseHeaderBlocks("", first, window(from+"\r\n", 9999), window(date+"\r\n", 999), window(id+"\r\n", 999))
	if h.FromAddress != "real@example.org" || h.FromName != "Real Sender" || !h.Date.Equal(when) || h.MessageID != "the-id@example.org" {
		t.Errorf("ParseHeaderBlocks(long Subject first, the rest alone) = %+v, want the sender, date and id", h)
	}
	if !strings.HasPrefix(h.Subject, "lorem lorem") || !strings.HasSuffix(h.Subject, "…") {
		t.Errorf("cut Subject = %.30q…, want the words and a final …", h.Subject)
	}

	// A Message-ID cut by the window is none, not closed with a '>' that
	// is not in the mail; alone, it is whole.
	pad := "Subject: " + strings.Repeat("x", HeaderWindow-len(from)-len("Subject: ")-2-20) + "\r\n"
	first = window(from+pad+id+date+"\r\n", HeaderWindow)
	if h := ParseHeaderBlocks("", first); h.MessageID != "" || !h.Date.IsZero() {
		t.Errorf("ParseHeaderBlocks(Message-ID cut) = id %q, date %v; want neither", h.MessageID, h.Date)
	}
	if got, want := Refetch(first, ""), []string{"Date", "Message-ID"}; !slices.Equal(got, want) {
		t.Errorf("Refetch(Message-ID cut) = %q, want %q", got, want)
	}
	if h := ParseHeaderBlocks("", first, window(date+"\r\n", 999), window(id+"\r\n", 999)); h.MessageID != "the-id@example.org" {
		t.Errorf("ParseHeaderBlocks(Message-ID cut, then alone).MessageID = %q, want the whole id", h.MessageID)
	}

	// A Date cut is none.
	first = window(from+"Subject: hi\r\n"+date, uint32(len(from)+len("Subject: hi\r\n")+20))
	if h := ParseHeaderBlocks("", first); !h.Date.IsZero() {
		t.Errorf("ParseHeaderBlocks(Date cut).Date = %v, want none", h.Date)
	}

	// A Subject cut early (a long From before it) is fetched alone; one
	// cut after MaxHeaderRunes characters is not.
	bigFrom := "From: " + strings.Repeat("Name ", 1990) + "<n@example.org>\r\n"
	first = window(bigFrom+"Subject: "+strings.Repeat("word ", 300)+"\r\n"+date+id+"\r\n", HeaderWindow)
	if got := Refetch(first, ""); !slices.Contains(got, "Subject") {
		t.Errorf("Refetch(Subject cut after 40 bytes) = %q, want Subject in it", got)
	}
	if h := ParseHeaderBlocks("", first); !regexp.MustCompile(`^(word )*word…$`).MatchString(h.Subject) {
		t.Errorf("ParseHeaderBlocks(Subject cut early).Subject = %q, want its whole words and …", h.Subject)
	}
	first = window(from+long+date+id+"\r\n", HeaderWindow)
	if got := Refetch(first, ""); slices.Contains(got, "Subject") {
		t.Errorf("Refetch(Subject cut after 9,900 bytes) = %q, want no Subject", got)
	}

	// A cut From: its mailboxes that ended before the cut count; when
	// none did, its text shows cut, without an address.
	list := "From: Ann <ann@example.org>, " + strings.Repeat("Bob <bob@example.org>, ", 600) + "\r\n"
	first = window(list+"Subject: hi\r\n", HeaderWindow)
	if h := ParseHeaderBlocks("", first); h.FromName != "Ann" || h.FromAddress != "ann@example.org" || h.NoFrom {
		t.Errorf("ParseHeaderBlocks(From list cut) = %q <%s>, want Ann <ann@example.org>", h.FromName, h.FromAddress)
	}
	if got := Refetch(first, ""); slices.Contains(got, "From") {
		t.Errorf("Refetch(From list cut after its first mailbox) = %q, want no From", got)
	}
	first = window("From: \"Very long name "+strings.Repeat("x", 9990)+"\" <evil@example.org>\r\n", HeaderWindow)
	h = ParseHeaderBlocks("", first)
	if h.FromAddress != "" || !strings.HasPrefix(h.FromName, "\"Very long name") || !strings.HasSuffix(h.FromName, "…") || h.NoFrom {
		t.Errorf("ParseHeaderBlocks(From cut in its name) = %.30q <%s>, want the name cut, no address", h.FromName, h.FromAddress)
	}
	if got := Refetch(first, ""); !slices.Contains(got, "Subject") || slices.Contains(got, "From") {
		t.Errorf("Refetch(From cut at the window's full size) = %q, want Subject, not From: alone it is no longer", got)
	}
}

// FuzzHeaderWindow: header fields cut by a window of any size read
// without panic into valid, capped text, and a Message-ID is never
// invented: it stands in the mail as "<id>", brackets and all (made safe
// to show as the mail's text is).
func FuzzHeaderWindow(f *testing.F) {
	cases, err := mailcases.All()
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		for _, raw := range c.Messages {
			for _, size := range []uint16{HeaderWindow, 60, 90, 120, 150} {
				f.Add(raw, size)
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte, size uint16) {
		msg := mailcases.CRLF(raw)
		n := uint32(size%uint16(HeaderWindow)) + 1
		data := imapserver.ExtractBodySection(bytes.NewReader(msg), &imap.FetchItemBodySection{
			Specifier: imap.PartSpecifierHeader, HeaderFields: HeaderFields, Peek: true,
			Partial: &imap.SectionPartial{Size: int64(n)}})
		first := NewHeaderBlock(data, n)
		blocks := []HeaderBlock{first}
		for _, field := range Refetch(first, "") {
			if !slices.Contains(HeaderFields, field) {
				t.Fatalf("Refetch = %q, not a field of HeaderFields", field)
			}
			blocks = append(blocks, NewHeaderBlock(imapserver.ExtractBodySection(bytes.NewReader(msg), &imap.FetchItemBodySection{
				Specifier: imap.PartSpecifierHeader, HeaderFields: []string{field}, Peek: true,
				Partial: &imap.SectionPartial{Size: int64(FieldWindow(field))}}), FieldWindow(field)))
		}
		for _, h := range []Headers{ParseHeaderBlocks("", first), ParseHeaderBlocks("", blocks...)} {
			for _, s := range []string{h.FromName, h.FromAddress, h.Subject, h.MessageID} {
				checkOut(t, s, MaxHeaderRunes)
			}
			if h.MessageID != "" && !strings.Contains(Clean(string(msg), len(msg)), "<"+h.MessageID+">") {
				t.Errorf("window %d: MessageID %q is not in the mail (cleaned) as <%s>", n, h.MessageID, h.MessageID)
			}
		}
	})
}
