//go:build !((linux || freebsd || openbsd || netbsd) && !android)

package tray

import "fyne.io/systray"

// runNative runs the platform's tray loop (Windows messages, the macOS
// run loop) on this thread, calls ready once the tray is set up, and
// returns after done is closed.
func runNative(ready func(), done <-chan struct{}) {
	go func() { // owned by runNative: ends when done is closed
		<-done
		systray.Quit()
	}()
	systray.Run(ready, nil)
}

// tooltipSignal returns a no-op: the Windows and macOS trays read the
// tooltip when it is set.
func tooltipSignal() func() { return func() {} }
