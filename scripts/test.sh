#!/usr/bin/env bash
# scripts/test.sh — runs every test: installs what is missing (scripts/bootstrap.sh), then the
# Rust unit tests and the integration tests (generators with -p, the .schedule.h program, a
# linked generator, Python, CMake, the C ABI, bad input, Dag export, the GCN runtime,
# correctness over the pipeline library), the tools' tests (dataset, random pipelines, collector),
# then the correctness and search suites once more with cost_model=gcn.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
# cargo test builds the library as an rlib only: the plugin .so the tests load comes from build.
cargo build
# The benchmark harness and the tools are workspace members outside the default build: keep
# them compiling.
cargo build -p halide-gcn-bench -p halide-gcn-tools
cargo test --no-fail-fast "$@"
# The tools: dataset format, the random pipeline generator (a slice of seeds, every schedule
# checked), and the collector surviving SIGKILL.
cargo test --no-fail-fast -p halide-gcn-tools "$@"
# Every correctness check again, with the GCN ranking the schedules.
HALIDE_GCN_TEST_COST_MODEL=gcn cargo test --no-fail-fast --test correctness --test search "$@"
