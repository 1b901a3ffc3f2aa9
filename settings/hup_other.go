//go:build !unix

package settings

import "os"

func notifyHUP() (<-chan os.Signal, func()) { return nil, func() {} }
