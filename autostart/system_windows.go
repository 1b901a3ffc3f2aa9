package autostart

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// The Windows Run value: HKCU\Software\Microsoft\Windows\CurrentVersion\Run,
// named after the app.

func (e Entry) enabled() (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, RunKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open HKCU\\%s: %w", RunKey, err)
	}
	defer k.Close()
	_, _, err = k.GetStringValue(e.App.Name)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (e Entry) write() error {
	v, err := RunValue(e.Program)
	if err != nil {
		return err
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, RunKey, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("open HKCU\\%s: %w", RunKey, err)
	}
	defer k.Close()
	if old, _, err := k.GetStringValue(e.App.Name); err == nil && old == v {
		return nil
	}
	if err := k.SetStringValue(e.App.Name, v); err != nil {
		return fmt.Errorf("set HKCU\\%s\\%s: %w", RunKey, e.App.Name, err)
	}
	return nil
}

func (e Entry) remove() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, RunKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open HKCU\\%s: %w", RunKey, err)
	}
	defer k.Close()
	if err := k.DeleteValue(e.App.Name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("delete HKCU\\%s\\%s: %w", RunKey, e.App.Name, err)
	}
	return nil
}
