package proc

// PlanOpen is how target (a URL such as "mailto:") is handed to the
// desktop's default handler on goos: xdg-open on Linux and the BSDs,
// /usr/bin/open on macOS, and on Windows rundll32's URL handler (what
// `start "" URL` uses), which takes the rest of its command line as the URL,
// unquoted. systemRoot is %SystemRoot% (Windows only; empty: C:\Windows).
func PlanOpen(goos, target, systemRoot string) Plan {
	switch goos {
	case "windows":
		rundll := winJoin(WinEnv{SystemRoot: systemRoot}.systemRoot(), `System32\rundll32.exe`)
		return Plan{Path: rundll, Args: []string{rundll}, CmdLine: QuoteArg(rundll) + " url.dll,FileProtocolHandler " + target}
	case "darwin", "ios":
		return Plan{Path: "/usr/bin/open", Args: []string{"/usr/bin/open", target}}
	}
	return Plan{Path: "xdg-open", Args: []string{"xdg-open", target}}
}
