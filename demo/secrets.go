package demo

import "context"

// Secrets is a fixed password for the demo account, so --demo never touches
// the keyring. It has the method set of settings.Secrets.
type Secrets string

func (s Secrets) Get(context.Context, string) (string, error) { return string(s), nil }
func (Secrets) Set(string, string) error                      { return nil }
func (Secrets) Delete(string) error                           { return nil }
func (Secrets) Rename(string, string) error                   { return nil }
