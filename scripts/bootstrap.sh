#!/usr/bin/env bash
# scripts/bootstrap.sh — installs what the project needs into the checkout (idempotent):
# a Python virtual environment .venv with the pinned packages of requirements.txt (Halide from
# PyPI among them). Sourced by setup.sh and test.sh; needs only python3 and pip.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stamp=.venv/.requirements-installed
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if [ ! -f "$stamp" ] || ! cmp -s requirements.txt "$stamp"; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r requirements.txt
    cp requirements.txt "$stamp"
fi
