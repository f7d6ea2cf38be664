#!/usr/bin/env bash
# scripts/learning_curve.sh — how the cost models' accuracy grows with the number of training
# pipelines. For each count N it trains the GCN and the baseline on the first N random shards
# (data/random/*.hgds.gz in name order, plus the bench shard, which is always held out) and
# evaluates both on the held-out pipelines of the *whole* dataset. A pipeline's role is a hash
# of its id and the split seed, so the pipelines held out of a subset are held out of the whole
# and no model ever trains on an evaluated pipeline; every row is scored on the same pipelines.
# A markdown table goes to stdout; each run's logs, models and report stay under the work folder.
# --data takes another folder laid out like data/ (bench.hgds.gz, random/*.hgds.gz): the same
# samples featurized again by another plugin (`refeaturize`), to compare feature sets.
#
#   bash scripts/learning_curve.sh [--shards "3 6 9 12 15"] [--split-seed 1] [--data data]
#                                  [--work target/learning_curve] [-- extra train arguments]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

counts="" work=target/learning_curve split_seed=1 data=data common=()
while [ $# -gt 0 ]; do
    case "$1" in
        --shards) counts="$2"; shift 2 ;;
        --split-seed) split_seed="$2"; shift 2 ;;
        --work) work="$2"; shift 2 ;;
        --data) data="$2"; shift 2 ;;
        --) shift; common=("$@"); break ;;
        *) echo "learning_curve.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

shopt -s nullglob
shards=("$data"/random/*.hgds.gz)
[ ${#shards[@]} -gt 0 ] || { echo "learning_curve.sh: no $data/random/*.hgds.gz" >&2; exit 2; }
[ -f "$data/bench.hgds.gz" ] || { echo "learning_curve.sh: no $data/bench.hgds.gz" >&2; exit 2; }
if [ -z "$counts" ]; then
    # Every third shard, and all of them.
    for ((n = 3; n < ${#shards[@]}; n += 3)); do counts+="$n "; done
    counts+="${#shards[@]}"
fi
for n in $counts; do
    if ! [[ "$n" =~ ^[1-9][0-9]*$ ]] || [ "$n" -gt ${#shards[@]} ]; then
        echo "learning_curve.sh: shard count $n is not between 1 and ${#shards[@]}" >&2
        exit 2
    fi
done

cargo build --release -p halide-gcn-tools
tools=target/release/halide-gcn-tools
mkdir -p "$work"

# model_row REPORT PREFIX: "MAPE tau regret" of the report's table row starting with PREFIX.
model_row() {
    awk -F'|' -v prefix="$2" 'index($2, prefix) == 2 {
        gsub(/[ %]/, "", $3); gsub(/ /, "", $5); gsub(/ /, "", $6); print $3, $5, $6; exit }' "$1"
}

echo "| random shards | training pipelines | GCN MAPE | GCN τ | GCN regret | baseline MAPE | baseline τ | baseline regret |"
echo "|---|---|---|---|---|---|---|---|"
for n in $counts; do
    dir="$work/shards-$n"
    mkdir -p "$dir"
    "$tools" train --data "$data/bench.hgds.gz" "${shards[@]:0:n}" --split-seed "$split_seed" \
        --out "$dir/gcn.onnx" --baseline-out "$dir/baseline.safetensors" "${common[@]}" \
        > "$dir/train.log" 2>&1 ||
        { echo "learning_curve.sh: training on $n shards failed: see $dir/train.log" >&2; exit 1; }
    "$tools" evaluate --data "$data/bench.hgds.gz" "${shards[@]}" --split-seed "$split_seed" \
        --model "$dir/gcn.onnx" --baseline "$dir/baseline.safetensors" \
        --report "$dir/model.md" --plot "$dir/model_scatter.png" > "$dir/evaluate.log" 2>&1 ||
        { echo "learning_curve.sh: evaluating the $n-shard models failed: see $dir/evaluate.log" >&2; exit 1; }
    trained=$(sed -n 's/^train: \([0-9]*\) training,.*/\1/p' "$dir/train.log")
    read -r g_mape g_tau g_regret <<< "$(model_row "$dir/model.md" "GCN ")"
    read -r b_mape b_tau b_regret <<< "$(model_row "$dir/model.md" "baseline")"
    echo "| $n | $trained | $g_mape% | $g_tau | $g_regret | $b_mape% | $b_tau | $b_regret |"
done
