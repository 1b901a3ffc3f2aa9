package mailtext

import (
	"strconv"
	"strings"
	"time"
)

// zones are the named zones RFC 5322 §4.3 keeps as obsolete syntax, plus
// the unambiguous abbreviations mailers still write. Military letters and
// unknown names mean -0000 (RFC 5322: no information about the zone).
var zones = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
	"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
	"AKST": -9, "AKDT": -8, "HST": -10,
	"WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "MET": 1, "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
	"JST": 9, "KST": 9, "HKT": 8, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}

var months = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// ParseDate reads a Date header value: RFC 5322 (§3.3) with its obsolete
// forms (§4.3: two- and three-digit years, named zones such as EST, which
// are honoured, not read as UTC) and the sloppy forms found in the wild
// (missing weekday or seconds, full month and day names, comments, dashes
// between the date's parts, ctime order, ISO 8601, "+01:00" and "GMT+0100"
// zones). A missing or unknown zone is UTC. ok is false, and the time zero,
// when the value does not name a real moment or names a year after 9999,
// which RFC 3339 (the form the JSON lines promise) cannot write.
func ParseDate(s string) (t time.Time, ok bool) {
	s = stripComments(s)
	s = strings.ReplaceAll(s, ",", " ")
	var fields []string
	for _, f := range strings.Fields(s) {
		fields = appendFields(fields, f)
	}
	year, month, day := -1, 0, -1
	hour, min, sec := -1, 0, 0
	offset, haveOffset := 0, false
	ampm := ""
	var nums []string
	for _, f := range fields {
		if f == "" {
			continue // "29..2026" splits into an empty part
		}
		lf := strings.ToLower(f)
		switch {
		case strings.Contains(f, ":") && hour < 0 && f[0] >= '0' && f[0] <= '9':
			h, m, sc, ok := parseClock(f)
			if !ok {
				return time.Time{}, false
			}
			hour, min, sec = h, m, sc
		case (f[0] == '+' || f[0] == '-') && len(f) > 1:
			if off, ok := parseOffset(f); ok && !haveOffset {
				offset, haveOffset = off, true
			}
		case isAlpha(f):
			if m := prefixIndex(months, lf); m >= 0 && month == 0 {
				month = m + 1
			} else if lf == "am" || lf == "pm" {
				ampm = lf
			} else if prefixIndex(weekdays, lf) >= 0 {
				// the weekday says nothing the date does not
			} else if z, ok := zones[strings.ToUpper(f)]; ok && !haveOffset {
				offset, haveOffset = z*3600, true
			}
		case isDigits(f):
			nums = append(nums, f)
		default:
			// "GMT+0100", "UTC-5": a name glued to an offset.
			if i := strings.IndexAny(f, "+-"); i > 0 && isAlpha(f[:i]) && !haveOffset {
				if off, ok := parseOffset(f[i:]); ok {
					offset, haveOffset = off, true
				}
			}
		}
	}
	// Numbers: ISO order (year first) when the first has four digits,
	// otherwise day then year, with a numeric month between in "29-11-2026".
	switch {
	case len(nums) == 3 && len(nums[0]) == 4 && month == 0:
		year, month, day = atoi(nums[0]), atoi(nums[1]), atoi(nums[2])
	case len(nums) == 3 && month == 0:
		day, month, year = atoi(nums[0]), atoi(nums[1]), atoi(nums[2])
		year = fullYear(nums[2], year)
	case len(nums) == 2 && month != 0:
		a, b := nums[0], nums[1]
		if len(a) == 4 || atoi(a) > 31 { // ctime: "Nov 29 10:00:00 2026" has them in order day, year
			a, b = b, a
		}
		day, year = atoi(a), fullYear(b, atoi(b))
	default:
		return time.Time{}, false
	}
	if hour < 0 {
		hour = 0 // a date without a time: midnight
	}
	switch {
	case ampm == "pm" && hour < 12:
		hour += 12
	case ampm == "am" && hour == 12:
		hour = 0
	}
	if year < 0 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 {
		return time.Time{}, false
	}
	if sec == 60 {
		sec = 59 // a leap second: Go's time has none
	}
	loc := time.UTC
	if offset != 0 {
		loc = time.FixedZone("", offset)
	}
	t = time.Date(year, time.Month(month), day, hour, min, sec, 0, loc)
	if t.Day() != day {
		return time.Time{}, false // 31 Feb
	}
	return t, true
}

// appendFields splits what sloppy and ISO dates glue together:
// "2026-11-29T10:00:00+01:00", "29-Nov-2026", "10:00:00Z", "10:00+0100".
// A zone's leading sign ("-0500") is kept.
func appendFields(fields []string, f string) []string {
	if i := strings.IndexByte(f, 'T'); i > 0 && i+1 < len(f) && isDigit(f[i-1]) && isDigit(f[i+1]) {
		return appendFields(appendFields(fields, f[:i]), f[i+1:])
	}
	if strings.Contains(f, ":") && isDigit(f[0]) {
		if i := strings.IndexAny(f, "+-Zz"); i > 0 {
			fields = append(fields, f[:i])
			if z := f[i:]; z != "Z" && z != "z" {
				return append(fields, z)
			}
			return append(fields, "Z")
		}
		return append(fields, f)
	}
	if strings.Count(f, ".") == 2 && isDigits(strings.ReplaceAll(f, ".", "")) { // 29.11.2026
		return append(fields, strings.Split(f, ".")...)
	}
	if strings.Count(f, "-") >= 2 && f[0] != '-' {
		for _, p := range strings.Split(f, "-") {
			if p != "" {
				fields = append(fields, p)
			}
		}
		return fields
	}
	return append(fields, f)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// fullYear applies RFC 5322 §4.3: a two-digit year below 50 is 20xx, else
// 19xx; a three-digit year adds 1900.
func fullYear(digits string, y int) int {
	switch len(digits) {
	case 1, 2:
		if y < 50 {
			return 2000 + y
		}
		return 1900 + y
	case 3:
		return 1900 + y
	}
	return y
}

func parseClock(f string) (h, m, s int, ok bool) {
	if i := strings.IndexByte(f, '.'); i >= 0 { // fractional seconds
		f = f[:i]
	}
	parts := strings.Split(f, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	v := make([]int, 3)
	for i, p := range parts {
		if !isDigits(p) || len(p) > 2 {
			return 0, 0, 0, false
		}
		v[i] = atoi(p)
	}
	return v[0], v[1], v[2], true
}

// parseOffset reads +hhmm, -hhmm, +hh:mm, +hh and +h.
func parseOffset(f string) (int, bool) {
	sign := 1
	if f[0] == '-' {
		sign = -1
	}
	d := strings.ReplaceAll(f[1:], ":", "")
	if !isDigits(d) {
		return 0, false
	}
	var h, m int
	switch len(d) {
	case 1, 2:
		h = atoi(d)
	case 3, 4:
		h, m = atoi(d[:len(d)-2]), atoi(d[len(d)-2:])
	default:
		return 0, false
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
			b.WriteByte(' ')
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func prefixIndex(names []string, lf string) int {
	if len(lf) < 3 {
		return -1
	}
	for i, n := range names {
		if strings.HasPrefix(lf, n) {
			return i
		}
	}
	return -1
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != "" && len(s) <= 9
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
