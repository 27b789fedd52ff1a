#!/usr/bin/env bash
# PostgreSQL and redis-server for the several-PCs test (tests/e2e/test_several_pcs.py), from apt
# when missing. Only installs: each test module starts its own throwaway servers on free ports.
# Where they cannot be installed (no apt, no root/sudo, offline) the test skips and says why.
set -uo pipefail
have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; }
if have_pg && command -v redis-server >/dev/null; then exit 0; fi
if ! command -v apt-get >/dev/null; then echo "ci-services: no apt-get; the PostgreSQL/Redis test will skip"; exit 0; fi
SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
if [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; then
    echo "ci-services: not root and no sudo; the PostgreSQL/Redis test will skip"; exit 0
fi
echo "installing postgresql and redis-server from apt…"
$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql redis-server >/dev/null \
    || echo "ci-services: apt could not install them; the PostgreSQL/Redis test will skip"
# Debian's packages start their own servers where a service manager runs: the test needs none of them.
exit 0
