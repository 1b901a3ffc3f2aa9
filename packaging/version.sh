#!/bin/sh
# Prints idlebell's version for this checkout, from `git describe`: what
# --version, About, the .deb and the Windows build carry. Run from the top.
#
#   v0.1.0 tagged here                 0.1.0
#   5 commits after the tag v0.1.0      0.1.0+5.gabc1234
#   no tag yet (FyneApp.toml: 0.1.0)   0.1.0~dev.123.gabc1234    (sorts before 0.1.0)
#   uncommitted changes                 ... .dirty appended (+dirty on a tag)
#
# Both forms are valid Debian versions and sort as they should; a build
# without git gets FyneApp.toml's version with ~dev.
set -eu
base=$(sed -n 's/^Version *= *"\([^"]*\)".*/\1/p' FyneApp.toml)
if ! desc=$(git describe --always --dirty --abbrev=7 2>/dev/null); then
	echo "$base~dev"
	exit 0
fi
dirty=
case $desc in *-dirty) dirty=dirty ;; esac
if tagged=$(git describe --tags --long --match 'v[0-9]*' 2>/dev/null); then
	# v1.2.3-N-gHASH
	n=${tagged%-g*}
	n=${n##*-}
	tag=${tagged%-*-g*}
	v=${tag#v}
	if [ "$n" != 0 ]; then
		v="$v+$n.${tagged##*-}"
	fi
	if [ -n "$dirty" ]; then
		case $v in *+*) v="$v.dirty" ;; *) v="$v+dirty" ;; esac
	fi
else
	n=$(git rev-list --count HEAD)
	v="$base~dev.$n.g$(git rev-parse --short=7 HEAD)"
	[ -z "$dirty" ] || v="$v.dirty"
fi
echo "$v"
