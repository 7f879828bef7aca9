#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the Debian package from a clean tree and checks it with lintian.
#
#   tools/build-deb.sh OUTDIR [VERSION]
#
# The tree is what git tracks, plus files not yet added that .gitignore does not exclude (no build directory gets in):
# a clean clone's content. With VERSION, debian/changelog first gains an entry of that version, so that an upgrade
# from the package of the tree's own version can be tried. OUTDIR gets sandbox-shell_*.deb, the .changes and
# lintian.log. lintian must report no error and no warning (--fail-on error,warning).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || { sed -n '5p' "$0" >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
version=${2:-}

work=$(mktemp -d /tmp/sbx-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/sandbox-shell"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -x -C "$work/sandbox-shell"
if [ -n "$version" ]; then
    {
        printf 'sandbox-shell (%s) unstable; urgency=medium\n\n  * Rebuilt with a higher version.\n\n' "$version"
        printf ' -- %s  %s\n\n' "$(sed -n 's/^Maintainer: //p' "$work/sandbox-shell/debian/control")" "$(date -R)"
        cat "$work/sandbox-shell/debian/changelog"
    } >"$work/changelog" && mv "$work/changelog" "$work/sandbox-shell/debian/changelog"
fi
(cd "$work/sandbox-shell" && dpkg-buildpackage -us -uc) >"$work/build.log" 2>&1 || {
    tail -n 40 "$work/build.log" >&2
    echo "build-deb.sh: dpkg-buildpackage failed (log above)" >&2
    exit 1
}
changes=$(ls "$work"/sandbox-shell_*.changes)
# (lintian warns that it runs as root, which CI does: not a finding about the package)
lintian --fail-on error,warning --display-info --display-experimental "$changes" >"$work/lintian.log" 2>&1 || {
    cat "$work/lintian.log" >&2
    echo "build-deb.sh: lintian reports errors or warnings (above)" >&2
    exit 1
}
cp "$work"/sandbox-shell_*.deb "$changes" "$work/lintian.log" "$out/"
ls "$out"/sandbox-shell_*.deb
