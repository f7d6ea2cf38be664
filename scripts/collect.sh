#!/usr/bin/env bash
# scripts/collect.sh — collects the committed training data in shards, so that a collection
# spread over many sessions, on machines that may not last, loses at most one shard's work:
# first the bench pipelines (data/bench.hgds.gz), then random seeds 0..END in shards of SHARD
# seeds (data/random/seeds-0000-0020.hgds.gz, ...). A shard is collected into its .hgds
# (resumable: kill the script at any moment and run it again), then packed into the .hgds.gz
# that gets committed; a shard whose .hgds.gz exists is done and skipped.
#
#   bash scripts/collect.sh [--keep-tools] [END [SHARD]]      (defaults: 300 20)
#   bash scripts/collect.sh --save-partial
#
# A checkout carries no ignored files into the next session, so a shard in progress is lost
# with the machine unless it is saved: --save-partial (with the collector stopped) packs every
# shard in progress into data/partial/NAME.hgds.gz, with the commit of the plugin collecting
# it in data/partial/NAME.commit, to be committed; the next run resumes the shard from there
# (and deletes the saved copy when the shard is done).
#
# The tools and the plugin are built and copied to target/collector/ when it starts (with the
# commit they were built from in target/collector/commit), so rebuilding the checkout meanwhile
# changes nothing under a running collection. --keep-tools reuses what target/collector holds:
# a dataset collected across sessions keeps the plugin it began with (its schedules are sampled
# by that plugin's search) while the checkout moves on. Nothing else may run while it
# benchmarks: the collector pauses (and at worst marks samples noisy) when the machine is busy.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "${1:-}" = --save-partial ]; then
    if pgrep -f "halide-gcn-tools collect" > /dev/null; then
        echo "collect.sh: --save-partial: stop the collector first" >&2
        exit 2
    fi
    shopt -s nullglob
    for file in data/random/*.hgds; do
        name=${file#data/}
        name=${name%.hgds}
        mkdir -p "$(dirname "data/partial/$name")"
        target/collector/halide-gcn-tools pack "$file" "data/partial/$name.hgds.gz.part"
        mv "data/partial/$name.hgds.gz.part" "data/partial/$name.hgds.gz"
        cp target/collector/commit "data/partial/$name.commit"
        echo "collect.sh: saved data/partial/$name.hgds.gz"
    done
    exit 0
fi
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
    local saved=data/partial/$name.hgds.gz
    if [ ! -f "data/$name.hgds" ] && [ -f "$saved" ]; then
        echo "collect.sh: resuming from $saved (plugin at $(cat "data/partial/$name.commit"))"
        gunzip -c "$saved" > "data/$name.hgds.part"
        mv "data/$name.hgds.part" "data/$name.hgds"
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
    rm -f "$saved" "data/partial/$name.commit"
}

collect_shard bench --bench \
    bilateral_grid,camera_pipe,conv_net_block,deep_conv_net,depthwise_separable_conv,gaussian_blur,harris,histogram_equalize,iir_blur,local_laplacian,long_stencil_chain,long_stencil_chain_16,matmul,max_filter,nl_means,unsharp_mask
for ((first = 0; first < end; first += shard)); do
    last=$((first + shard < end ? first + shard : end))
    collect_shard "$(printf 'random/seeds-%04d-%04d' "$first" "$last")" --seeds "$first..$last"
done
"$tools" summary data/bench.hgds.gz data/random/*.hgds.gz
