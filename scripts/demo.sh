#!/usr/bin/env bash
# Command (1) of README: install, migrate, load demo data, serve on 127.0.0.1:8000.
# To serve elsewhere (a tablet on the clinic's network must reach it):
#   DEMO_ADDRESS=192.168.1.20:8000 bash scripts/demo.sh   (and add the host to ALLOWED_HOSTS)
# The invitation links the demo prints start with the address it serves on.
set -euo pipefail
cd "$(dirname "$0")/.."
address="${DEMO_ADDRESS:-127.0.0.1:8000}"
bash scripts/setup.sh
.venv/bin/python manage.py migrate --no-input -v0
.venv/bin/python manage.py demo_data --site-url "http://${address}"
echo "Serving PRO Portal on http://${address} (Ctrl-C to stop)"
exec .venv/bin/python manage.py runserver "${address}"
