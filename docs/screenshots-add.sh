#!/bin/bash
# Screenshots of the settings window's Add… in German, under Xvfb: the
# address form, the search for the server, the certificate dialog, the
# server found and connected, and the account added. Run inside the test session, as root (it listens on
# 127.0.0.1:993):
#   make build testsession
#   bin/testsession -desktop -- docs/screenshots-add.sh
# idlebell discovers the server of anna@localhost by its last resort, a
# probe of localhost:993, which a small forwarder passes to the session's
# Dovecot; its certificate is self-signed, so idlebell asks before trusting
# it. Output: docs/shots-tmp/add-*.png, to be looked at and copied by hand.
# Coordinates assume the window's 860x660.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/shots-tmp
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; sleep 1; rm -rf "$tmp"' EXIT

export XDG_CONFIG_HOME=$tmp/config XDG_STATE_HOME=$tmp/state XDG_CACHE_HOME=$tmp/cache
export LANG=de_DE.UTF-8 LC_ALL= LC_MESSAGES= LANGUAGE=
user=anna@localhost # the login discovery suggests: the address
for i in 1 2 3; do
	printf 'From: Bob <bob@example.org>\r\nTo: anna@localhost\r\nSubject: Hallo %s\r\nDate: %s\r\n\r\nText\r\n' "$i" "$(date -R)" |
		/usr/lib/dovecot/dovecot-lda -c "$IDLEBELL_DOVECOT_CONF" -d "$user" -f bob@example.org
done

# localhost:993 → the session's Dovecot (implicit TLS).
python3 - "$IDLEBELL_DOVECOT_TLS" >"$tmp/forward.log" 2>&1 <<'PY' &
import socket, sys, threading
host, port = sys.argv[1].rsplit(":", 1)
ln = socket.socket(); ln.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ln.bind(("127.0.0.1", 993)); ln.listen(8)
def pipe(a, b):
    try:
        while (d := a.recv(65536)):
            b.sendall(d)
    except OSError:
        pass
    finally:
        a.close(); b.close()
while True:
    c, _ = ln.accept()
    s = socket.create_connection((host, int(port)))
    threading.Thread(target=pipe, args=(c, s), daemon=True).start()
    threading.Thread(target=pipe, args=(s, c), daemon=True).start()
PY

bin/idlebell settings --config "$tmp/config.toml" >"$tmp/app.log" 2>&1 &
win=""
for _ in $(seq 50); do
	win=$(xdotool search --name 'idlebell-Einstellungen' 2>/dev/null | head -1) && [ -n "$win" ] && break
	sleep 0.2
done
[ -n "$win" ] || { cat "$tmp/app.log"; exit 1; }
sleep 2
eval "$(xdotool getwindowgeometry --shell "$win")" # X, Y, WIDTH, HEIGHT
shot() { sleep "${2:-1}"; import -window "$win" "$out/$1.png"; }
# Add… under the empty account list.
xdotool mousemove $((X + 72)) $((Y + 590)) click 1
sleep 1
xdotool type --delay 40 'anna@localhost'
xdotool key Tab
xdotool type --delay 40 "$IDLEBELL_DOVECOT_PASSWORD"
shot add-1-address
xdotool key Return
shot add-2-searching 0.05
shot add-3-certificate 6
# "Diesem Zertifikat vertrauen", the dialog's right-hand button.
xdotool mousemove $((X + 549)) $((Y + 564)) click 1
shot add-4-found-connected 4
# Add, the dialog's last button (the found step keeps the address step's size): the account is stored and shown.
xdotool mousemove $((X + 735)) $((Y + 544)) click 1
shot add-5-added 3
cp "$tmp/app.log" "$out/add-app.log"
