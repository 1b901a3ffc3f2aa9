package settings

import (
	"runtime"
	"strings"
)

// storeCommand is the command that stores account's password where
// idlebell's keyring looks for it on goos, for a message to copy into a
// terminal; each form asks for the password instead of taking it as an
// argument:
//
//   - Linux and BSD: secret-tool (libsecret), attributes service and username;
//   - macOS: security add-generic-password, service -s and account -a, as
//     go-keyring reads them;
//   - Windows: cmdkey, a generic credential whose target is
//     "SERVICE:ACCOUNT" (go-keyring's name for it) and user the account.
func storeCommand(goos, service, account string) string {
	switch goos {
	case "windows":
		return "cmdkey /generic:" + winQuote(service+":"+account) + " /user:" + winQuote(account) + " /pass"
	case "darwin", "ios":
		return "security add-generic-password -s " + shellQuote(service) + " -a " + shellQuote(account) + " -w"
	}
	return "secret-tool store --label=" + shellQuote(service+" "+account) + " service " + shellQuote(service) +
		" username " + shellQuote(account)
}

// storeTool names the program storeCommand uses on goos.
func storeTool(goos string) string {
	switch goos {
	case "windows":
		return "cmdkey /generic"
	case "darwin", "ios":
		return "security add-generic-password"
	}
	return "secret-tool store"
}

// quoteArg quotes s for the terminal of goos: double quotes on Windows,
// which cmd.exe and PowerShell both read; POSIX shell quoting elsewhere.
func quoteArg(goos, s string) string {
	if goos == "windows" {
		return winQuote(s)
	}
	return shellQuote(s)
}

// winQuote puts s in double quotes when it holds anything but letters,
// digits and - _ . @ : + (a space, say). A double quote inside cannot be
// quoted for both cmd.exe and PowerShell and is left as it is.
func winQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '@' || r == ':' || r == '+' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0 {
		return s
	}
	return `"` + s + `"`
}

// thisOS is the system idlebell runs on.
const thisOS = runtime.GOOS
