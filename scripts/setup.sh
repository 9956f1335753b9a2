#!/usr/bin/env bash
# Installs everything PRO Portal needs on a fresh Debian machine with Python 3.11:
# system libraries (apt-get), a virtualenv with the locked Python packages, and,
# with --test, the browser and the npm packages the tests use.
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# WeasyPrint: Pango, HarfBuzz subsetting (PDFs several times faster), fonts.
apt_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core gettext)
if [ "$want_test" = 1 ]; then
  # chromium for the browser tests, poppler-utils to rasterise PDFs,
  # postgresql-client for the backup-and-restore test (pg_dump, pg_restore).
  apt_packages+=(chromium poppler-utils postgresql-client)
  # npm (for axe-core) only when no Node.js is installed: a Node.js from
  # elsewhere ships its own npm, which Debian's npm package conflicts with.
  command -v npm >/dev/null || apt_packages+=(nodejs npm)
fi
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python_bin="${PYTHON:-python3.11}"
command -v "$python_bin" >/dev/null || python_bin=python3
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv
fi
# uv installs the locked set in seconds; requirements/lock.txt pins every package.
.venv/bin/python -m pip install -q "uv==0.13.9"
.venv/bin/uv pip sync -q --python .venv/bin/python requirements/lock.txt
.venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .

if [ "$want_test" = 1 ] && [ -f tests/e2e/package-lock.json ]; then
  # axe-core and IBM's accessibility-checker-engine for the accessibility scans;
  # installed from the lock file (again when either is missing).
  if [ ! -f tests/e2e/node_modules/axe-core/axe.min.js ] \
    || [ ! -f tests/e2e/node_modules/accessibility-checker-engine/ace.js ]; then
    (cd tests/e2e && npm ci --silent --no-audit --no-fund)
  fi
fi
