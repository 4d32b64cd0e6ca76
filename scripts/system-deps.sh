#!/usr/bin/env bash
# Installs the system packages the project needs, only when they are missing.
set -euo pipefail
need=()
command -v python3 >/dev/null || need+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
command -v java >/dev/null || need+=(default-jre-headless)  # konlpy's Okt tokenizer
# The dashboard's browser test drives Debian's chromium (Playwright cannot download one here),
# with a Korean font so its screenshots show Hangul.
command -v chromium >/dev/null || need+=(chromium)
[ -d /usr/share/fonts/truetype/nanum ] || need+=(fonts-nanum)
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || {
  echo "Python >= 3.11 is required (found $(python3 --version 2>&1))" >&2; exit 1; }
if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages: ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
