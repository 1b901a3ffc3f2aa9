// Package mailtext turns the raw parts of a mail message into the few lines a
// notification shows: the sender, the subject, the date and a short preview.
//
// It reads what careful mail clients read and forgives what they forgive:
// RFC 2047 encoded words joined across a split multi-byte character, charset
// labels mapped as the WHATWG Encoding Standard maps them (iso-8859-1 and
// us-ascii are windows-1252), raw 8-bit header bytes, RFC 6854 groups in From,
// display names with unquoted commas, RFC 5322 dates with obsolete named
// zones, HTML bodies and inline OpenPGP armor. Every function is total: what
// cannot be read becomes an empty string or a zero time, never an error, and
// every string returned is valid UTF-8 without control or format characters.
//
// The package knows IMAP only as far as BODYSTRUCTURE goes (ChoosePart picks
// the part whose first bytes make the preview) and a server's PREVIEW text
// (ServerPreview cleans it); it never talks to a server.
package mailtext
