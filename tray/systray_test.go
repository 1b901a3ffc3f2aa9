package tray

import "testing"

func TestMenuLabel(t *testing.T) {
	for _, c := range []struct{ goos, in, want string }{
		{"linux", "my_mail — 2 unread", "my__mail — 2 unread"},
		{"freebsd", "a__b", "a____b"},
		{"windows", "Home & Family — mail_box", "Home && Family — mail_box"},
		{"darwin", "my_mail & co", "my_mail & co"},
	} {
		if got := menuLabel(c.goos, c.in); got != c.want {
			t.Errorf("menuLabel(%q, %q) = %q, want %q", c.goos, c.in, got, c.want)
		}
	}
}
