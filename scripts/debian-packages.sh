#!/usr/bin/env bash
# Usage: bash scripts/debian-packages.sh PACKAGE...
# Make sure the given Debian packages are installed (make run: the CJK font PDFs embed;
# make test: also poppler-utils and zbar-tools, which the tests read PDFs with).
# Missing ones are installed with apt-get when running as root; otherwise the command
# to run is printed.  Never fails the build: without the font, PDF downloads answer
# 503 pdf_font_missing saying what to install; without the tools, their tests are
# skipped with the reason (and fail under REQUIRE_SERVICES=1).
set -euo pipefail
[ "$#" -gt 0 ] || exit 0
say() { printf '[debian-packages] %s\n' "$*" >&2; }

if ! command -v dpkg-query >/dev/null 2>&1; then
    say "not a Debian system: install $* or their equivalents yourself (PDF_FONT_PATH names"
    say "a TrueType font with Chinese glyphs; the tests need pdftoppm and zbarimg)"
    exit 0
fi
missing=()
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' \
        || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    then
        exit 0
    fi
    say "apt-get could not install ${missing[*]}; PDFs or their tests will say what is missing"
else
    say "missing ${missing[*]}; install with: sudo apt-get install ${missing[*]}"
fi
