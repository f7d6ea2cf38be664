#!/usr/bin/env bash
# scripts/setup.sh — the one set-up command: installs Halide and tools into .venv, builds the
# plugin in release, and runs the demo (examples/: an unsharp mask autoscheduled by Gcn and by
# Halide's Adams2019, each schedule printed, run times measured side by side).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
cargo build --release
bash scripts/demo.sh
