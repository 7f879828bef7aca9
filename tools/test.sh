#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs every test suite of sandbox-shell. Installs the build and test dependencies from Debian's packages when they are
# missing (needs root for that), builds with -Dwerror=true (gcc) and the fault injection points compiled in, runs every
# suite there; builds once more the way meson install ships it (-Dwerror=true, every other option at its default, so no
# fault injection) and runs the root suites against that build too; builds the Debian package from the tree, checks it
# with lintian and takes it through install, upgrade, remove and purge in the systemd guest (the package suite, once);
# then builds with clang and with -Db_sanitize=address,undefined and runs the suites that do not need file
# capabilities there, then fuzzes the config parser for a bounded time (tools/fuzz.sh).
#
#   tools/test.sh              everything
#   tools/test.sh --quick      only the fault-injection build and its suites (not the package)
#   SBX_MUST_WORK=1 tools/test.sh   a root-only test that cannot run is a failure instead of a skip (CI sets this)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

quick=0
for a in "$@"; do
    case "$a" in
    --quick) quick=1 ;;
    -h | --help)
        sed -n '3,13p' "$0"
        exit 0
        ;;
    *)
        echo "test.sh: unknown argument '$a'" >&2
        exit 2
        ;;
    esac
done

# shellcheck source=tools/deps.sh
. "$top/tools/deps.sh"
sbx_install_deps

jobs=$(nproc)

# The house style (.clang-format): every C file of the tree as clang-format writes it.
echo "== clang-format --dry-run -Werror: every C file"
(cd "$top" && git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run -Werror) ||
    { echo "test.sh: run clang-format -i on the files above" >&2; exit 1; }
# run_suites BUILDDIR [--suite NAME]...: every suite named must have tests (meson test --suite NAME passes when the
# suite has none, e.g. when its build was skipped).
run_suites() {
    local dir=$1 a want=0 out
    shift
    for a in "$@"; do
        if [ "$want" = 1 ]; then
            # (not piped into grep -q: with pipefail, meson killed by SIGPIPE when grep stops early fails the check)
            out=$(meson test -C "$dir" --list --no-rebuild --suite "$a" 2>&1) || true
            grep -q " / " <<<"$out" ||
                { printf "test.sh: %s has no test in the suite '%s':\n%s\n" "$dir" "$a" "$out" >&2; return 1; }
        fi
        want=0
        [ "$a" = --suite ] && want=1
    done
    meson test -C "$dir" --print-errorlogs --num-processes "$jobs" "$@"
}

echo "== gcc, -Dwerror=true -Dfault_injection=true: every suite but package (below)"
if [ -d build-test ]; then
    meson setup --reconfigure build-test -Dwerror=true -Dfault_injection=true >/dev/null
else
    meson setup build-test -Dwerror=true -Dfault_injection=true >/dev/null
fi
ninja -C build-test
run_suites build-test --no-suite package

[ "$quick" = 1 ] && exit 0

# What meson install ships: the root suites (all but fault, which needs the injection points) against a build without
# them, so that a difference the fault-injection build hides cannot pass.
echo "== gcc, -Dwerror=true, the shipped configuration: the root suites"
if [ -d build-test-shipped ]; then
    meson setup --reconfigure build-test-shipped -Dwerror=true -Dfault_injection=false >/dev/null
else
    meson setup build-test-shipped -Dwerror=true >/dev/null
fi
grep -q '^#define SBX_FAULT_INJECTION 0$' build-test-shipped/config.h ||
    { echo "test.sh: build-test-shipped has fault injection compiled in" >&2; exit 1; }
ninja -C build-test-shipped
run_suites build-test-shipped --suite integration --suite e2e --suite escape --suite admin
# Of the uml suite, the pure cgroup v2 guest. The systemd guest's run of the shipped configuration is the package's
# (below): debian/rules builds with these options, and its guest logs in through that build's PAM module and helper.
# The whole systemd agent ran above, on the fault-injection build, whose points stay unarmed outside the fault suite.
# The package is built from the tree (the build directories play no part); it runs once. Each of the two boots a
# guest of its own, so they run side by side (the package's build takes both CPUs for a while first; the guests'
# checks allow for a shared CPU: the cgroup v2 guest's CPUQuota check accepts 0.1 to 1.0 s of CPU where 0.4 s is due).
echo "== the cgroup v2 guest, and the Debian package: tools/build-deb.sh, lintian, its life in the systemd guest"
out=$(meson test -C build-test-shipped --list --no-rebuild --suite package 2>&1) || true
mapfile -t package_tests < <(sed -n 's|^.* / ||p' <<<"$out")
[ "${#package_tests[@]}" -gt 0 ] ||
    { printf "test.sh: build-test-shipped has no test in the suite 'package':\n%s\n" "$out" >&2; exit 1; }
meson test -C build-test-shipped --print-errorlogs --num-processes "$jobs" uml/test-uml-cgroup-v2 "${package_tests[@]}"

echo "== clang, -Dwerror=true: unit, pam and ctl suites"
if [ -d build-test-clang ]; then
    meson setup --reconfigure build-test-clang >/dev/null
else
    CC=clang meson setup build-test-clang -Dwerror=true >/dev/null
fi
ninja -C build-test-clang
run_suites build-test-clang --suite unit --suite pam --suite ctl

echo "== gcc, -Db_sanitize=address,undefined: unit, pam and ctl suites"
if [ -d build-test-asan ]; then
    meson setup --reconfigure build-test-asan >/dev/null
else
    meson setup build-test-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C build-test-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_suites build-test-asan --suite unit --suite pam --suite ctl

echo "== clang libFuzzer: the config parser for 60 s (tools/fuzz.sh)"
"$top/tools/fuzz.sh" 60
meson test -C build-fuzz --print-errorlogs --suite fuzz

echo "== all suites passed"
