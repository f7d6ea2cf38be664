#!/usr/bin/env bash
# scripts/collect.sh — collects the committed training data in shards, so that a collection
# spread over many sessions, on machines that may not last, loses at most one shard's work:
# first the bench pipelines (data/bench.hgds.gz), then random seeds 0..END in shards of SHARD
# seeds (data/random/seeds-0000-0020.hgds.gz, ...). A shard is collected into its .hgds
# (resumable: kill the script at any moment and run it again), then packed into the .hgds.gz
# that gets committed; a shard whose .hgds.gz exists is done and skipped.
#
#   bash scripts/collect.sh [--keep-tools] [END [SHARD]]      (defaults: 300 20)
#
# The tools and the plugin are built and copied to target/collector/ when it starts (with the
# commit they were built from in target/collector/commit), so rebuilding the checkout meanwhile
# changes nothing under a running collection. --keep-tools reuses what target/collector holds:
# a dataset collected across sessions keeps the plugin it began with (its schedules are sampled
# by that plugin's search) while the checkout moves on. Nothing else may run while it
# benchmarks: the collector pauses (and at worst marks samples noisy) when the machine is busy.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
keep_tools=0
if [ "${1:-}" = --keep-tools ]; then
    keep_tools=1
    shift
fi
end=${1:-300}
shard=${2:-20}

bash scripts/bootstrap.sh
tools=target/collector/halide-gcn-tools
plugin=target/collector/libautoschedule_gcn.so
mkdir -p target/collector data/random
if [ "$keep_tools" -eq 1 ]; then
    for f in "$tools" "$plugin" target/collector/commit; do
        [ -f "$f" ] || { echo "collect.sh: --keep-tools: no $f (run once without it)" >&2; exit 2; }
    done
else
    cargo build --release
    cargo build --release -p halide-gcn-tools
    cp target/release/halide-gcn-tools target/release/libautoschedule_gcn.so target/collector/
    git describe --always --dirty > target/collector/commit
fi
echo "collect.sh: tools and plugin built at $(cat target/collector/commit)"

# collect_shard NAME COLLECT-ARGUMENTS...: collects data/NAME.hgds, then packs it.
collect_shard() {
    local name=$1
    shift
    if [ -f "data/$name.hgds.gz" ]; then
        return
    fi
    echo "collect.sh: data/$name.hgds ($*)"
    # Exit status 2: every pipeline done, some schedules mismatched or failed (logged in
    # target/collect; a mismatch keeps its evidence there). Anything else stops the script.
    local status=0
    "$tools" collect --plugin "$plugin" --out "data/$name.hgds" "$@" || status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 2 ] || exit "$status"
    "$tools" pack "data/$name.hgds" "data/$name.hgds.gz.part"
    mv "data/$name.hgds.gz.part" "data/$name.hgds.gz"
    rm "data/$name.hgds"
}

collect_shard bench --bench \
    bilateral_grid,camera_pipe,conv_net_block,deep_conv_net,depthwise_separable_conv,gaussian_blur,harris,histogram_equalize,iir_blur,local_laplacian,long_stencil_chain,long_stencil_chain_16,matmul,max_filter,nl_means,unsharp_mask
for ((first = 0; first < end; first += shard)); do
    last=$((first + shard < end ? first + shard : end))
    collect_shard "$(printf 'random/seeds-%04d-%04d' "$first" "$last")" --seeds "$first..$last"
done
"$tools" summary data/bench.hgds.gz data/random/*.hgds.gz
