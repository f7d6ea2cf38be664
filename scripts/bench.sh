#!/usr/bin/env bash
# scripts/bench.sh — the benchmark: builds the plugin and the harness in release, then runs
# bench/harness (all bench pipelines, Gcn vs Adams2019, Mullapudi2016 and Li2018) and writes
# docs/results/bench.md. Extra arguments go to the harness (`-- --help` lists them). Run it on
# an otherwise idle machine: nothing else may run while it measures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
cargo build --release
cargo build --release -p halide-gcn-bench
target/release/bench "$@"
