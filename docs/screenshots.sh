#!/bin/bash
# Takes the screenshots in docs/ under Xvfb: run it inside the test session,
#   make build testsession
#   bin/testsession -desktop -- docs/screenshots.sh
# It draws the tray with gtk-sni-tray-standalone (Debian package
# haskell-gtk-sni-tray-utils), runs bin/idlebell against the session's
# Dovecot with two accounts — "Work", and "Home" on a port where no server
# listens (a dead account) — delivers mail, and uses xdotool and
# ImageMagick's import. Output: docs/shots-tmp/*.png, to be looked at and
# copied by hand. Coordinates assume the 1280x800 screen of testsession
# and the settings window's 860x660.
# It waits 2 minutes for the dead account to turn the icon to attention.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/shots-tmp
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; sleep 1; rm -rf "$tmp"' EXIT

export XDG_CONFIG_HOME=$tmp/config XDG_STATE_HOME=$tmp/state XDG_CACHE_HOME=$tmp/cache
mkdir -p "$XDG_CONFIG_HOME/idlebell"
user=alice$RANDOM
port=${IDLEBELL_DOVECOT_TLS##*:}
cat > "$XDG_CONFIG_HOME/idlebell/config.toml" <<TOML
version = 1
[notifications]
preview = true
max_bubbles = 3
[[account]]
name = "Work"
host = "127.0.0.1"
port = $port
security = "tls"
username = "$user"
tls_ca_file = "$IDLEBELL_DOVECOT_CA"
[[account]]
name = "Home"
host = "127.0.0.1"
port = 1
security = "tls"
username = "home"
password_command = "echo unused"
TOML
printf %s "$IDLEBELL_DOVECOT_PASSWORD" | secret-tool store --label='idlebell Work' service idlebell username Work

gtk-sni-tray-standalone --top --end --size 32 >"$tmp/tray.log" 2>&1 &
bin/idlebell >"$tmp/app.log" 2>&1 &
sleep 3
deliver() {
	printf 'From: %s\r\nTo: %s@localhost\r\nSubject: %s\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' \
		"$1" "$user" "$2" "$(date -R)" "$3" |
		/usr/lib/dovecot/dovecot-lda -c "$IDLEBELL_DOVECOT_CONF" -d "$user" -f sender@example.org
}
# A bubble with its account's name (two accounts are configured).
deliver 'Alice Example <alice@example.org>' 'Quarterly report draft' 'Hi, the draft of the quarterly report is ready for review. Numbers look good.'
sleep 2
import -window root "$out/bubble.png"
convert "$out/bubble.png" -crop 340x170+940+0 +repage "$out/bubble-crop.png"
# The menu with the dead account, once the icon asks for attention.
sleep "${SHOT_WAIT:-125}"
xdotool mousemove 1264 16 click 3
sleep 1
import -window root "$out/menu.png"
convert "$out/menu.png" -crop 520x440+760+0 +repage "$out/menu-crop.png"
convert "$out/menu.png" -crop 48x48+1232+0 +repage -scale 400% "$out/icon-zoom.png"
# Settings… from the tray menu: the settings process opens its window.
# Settings… is the first line after the second separator.
xdotool key Escape
sleep 1
xdotool mousemove 1264 16 click 3
sleep 1
xdotool mousemove 822 125 click 1
win=""
for _ in $(seq 50); do
	win=$(xdotool search --onlyvisible --name '^idlebell settings$' 2>/dev/null | head -1) && [ -n "$win" ] && break
	sleep 0.2
done
[ -n "$win" ] || { echo "no settings window" >&2; exit 1; }
sleep 3
eval "$(xdotool getwindowgeometry --shell "$win")" # X, Y, WIDTH, HEIGHT
# The window's part of the screen (its OpenGL content is not in the window's own image).
winshot() { import -window root "$tmp/root.png"; convert "$tmp/root.png" -crop "${WIDTH}x${HEIGHT}+$X+$Y" +repage "$out/$1.png"; }
winshot settings-from-tray
# Test connection, reached with Tab from the account's name (13 stops).
xdotool mousemove $((X + 660)) $((Y + 116)) click 1
for _ in $(seq 13); do xdotool key Tab; sleep 0.1; done
xdotool key space
sleep 3
winshot settings-window
cp "$tmp/app.log" "$out/app.log"
