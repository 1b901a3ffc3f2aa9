// Package logind tells when the machine resumes from suspend, from
// systemd-logind's PrepareForSleep signal on the system bus. Linux only:
// elsewhere OnResume returns at once, without looking for a bus.
package logind
