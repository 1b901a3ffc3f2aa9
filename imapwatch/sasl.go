package imapwatch

import (
	"encoding/json"
	"strings"

	"github.com/emersion/go-sasl"
)

// SASL mechanisms for OAuth2 access tokens.
const (
	MechOAuthBearer = "OAUTHBEARER" // RFC 7628
	MechXOAuth2     = "XOAUTH2"     // Google's and Microsoft's older form
)

// tokenFailure is what the server said when it rejected a token: RFC 7628's
// JSON error challenge ({"status":"invalid_token",...}; Google and Dovecot
// send "401" for XOAUTH2). Both mechanisms end a rejection the same way:
// the client answers the challenge with a dummy response and the server
// then sends the tagged NO.
type tokenFailure struct {
	Status string `json:"status"`
	Scope  string `json:"scope"`
	raw    string
}

func (f *tokenFailure) String() string {
	if f.Status != "" {
		return "status " + f.Status
	}
	return strings.TrimSpace(f.raw)
}

// tokenClient is a sasl.Client for OAUTHBEARER or XOAUTH2 that, unlike
// go-sasl's OAUTHBEARER client, finishes the exchange after an error
// challenge instead of abandoning the command mid-way (which would leave
// the connection waiting for a response that never comes). The failure is
// kept for the caller to classify.
type tokenClient struct {
	mech    string
	start   func() (string, []byte, error)
	dummy   []byte
	failure *tokenFailure
}

var _ sasl.Client = (*tokenClient)(nil)

func newTokenClient(mech, user, token, host string, port int) *tokenClient {
	tc := &tokenClient{mech: mech}
	switch mech {
	case MechOAuthBearer:
		inner := sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token, Host: host, Port: port})
		tc.start = inner.Start
		tc.dummy = []byte{0x01} // RFC 7628 section 3.2.3
	default:
		// XOAUTH2 is not in go-sasl any more; its initial response is
		// "user=" user ^A "auth=Bearer " token ^A ^A.
		tc.start = func() (string, []byte, error) {
			return MechXOAuth2, []byte("user=" + user + "\x01auth=Bearer " + token + "\x01\x01"), nil
		}
		// Google documents an empty response; go-imap writes it as "=", which
		// Dovecot answers with BAD instead of NO. Either ends the command.
		tc.dummy = []byte{}
	}
	return tc
}

func (c *tokenClient) Start() (string, []byte, error) { return c.start() }

func (c *tokenClient) Next(challenge []byte) ([]byte, error) {
	f := &tokenFailure{raw: string(challenge)}
	_ = json.Unmarshal(challenge, f)
	c.failure = f
	return c.dummy, nil
}
