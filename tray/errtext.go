package tray

import (
	"idlebell/delivery"
	"idlebell/explain"
	"idlebell/i18n"
)

// sentence is explain's short sentence for err in the user's language:
// what an account line says failed ("login failed: check the password").
func sentence(err error) string {
	s, _ := explain.DescribeIn(i18n.Template, err)
	return s
}

// safeLine cleans untrusted text for one line of the menu.
var safeLine = delivery.SafeLine
