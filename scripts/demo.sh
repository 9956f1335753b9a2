#!/usr/bin/env bash
# Command (1) of README: install, migrate, load demo data, serve on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python manage.py migrate --no-input -v0
.venv/bin/python manage.py demo_data
echo "Serving PRO Portal on http://127.0.0.1:8000 (Ctrl-C to stop)"
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
