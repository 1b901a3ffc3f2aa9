package ui

import (
	"fmt"

	"idlebell/explain"
	"idlebell/i18n"
)

// sentence is explain's short sentence for err in the user's language:
// what an account line or a status label says failed ("login failed: check
// the password").
func sentence(err error) string {
	s, _ := explain.DescribeIn(i18n.Template, err)
	return s
}

// retryIn is "reconnecting in 20 s" / "reconnecting in 3 min" / "reconnecting".
func retryIn(secs int) string {
	switch {
	case secs <= 0:
		return "reconnecting"
	case secs < 120:
		return fmt.Sprintf("reconnecting in %d s", secs)
	default:
		return fmt.Sprintf("reconnecting in %d min", (secs+59)/60)
	}
}
