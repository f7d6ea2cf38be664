#!/usr/bin/env bash
# scripts/test.sh — runs every test: installs what is missing (scripts/bootstrap.sh), then the
# Rust unit tests and the integration tests (generators with -p, the .schedule.h program, a
# linked generator, Python, CMake, bad input, Dag export, correctness over the pipeline library).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
# cargo test builds the library as an rlib only: the plugin .so the tests load comes from build.
cargo build
# The benchmark harness is a workspace member outside the default build: keep it compiling.
cargo build -p halide-gcn-bench
cargo test --no-fail-fast "$@"
