#!/usr/bin/env bash
# scripts/sweep.sh — trains the GCN under several settings and tabulates how each fits its
# validation pipelines (the held-out pipelines stay untouched: pick on validation, report with
# `evaluate`). Each setting is a line of extra `train` arguments in the settings file (default:
# every combination below). With several split seeds, each setting is trained once per seed
# and the table gives the mean over the seeds: one validation split of a few dozen pipelines
# cannot tell close settings apart. Results go to a markdown table on stdout and each run's log
# and model under the work folder.
#
#   bash scripts/sweep.sh --data data/bench.hgds.gz $(printf -- "--data %s " data/random/*.hgds.gz) [--settings FILE]
#                         [--split-seeds "1 2 3"] [--work target/sweep]
#                         [-- extra train arguments for every run]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

data=() settings="" work=target/sweep common=() split_seeds="1"
while [ $# -gt 0 ]; do
    case "$1" in
        --data) data+=(--data "$2"); shift 2 ;;
        --settings) settings="$2"; shift 2 ;;
        --work) work="$2"; shift 2 ;;
        --split-seeds) split_seeds="$2"; shift 2 ;;
        --) shift; common=("$@"); break ;;
        *) echo "sweep.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ ${#data[@]} -gt 0 ] || { echo "sweep.sh: give at least one --data FILE" >&2; exit 2; }

default_settings() {
    for hidden in 32 64 128; do
        for layers in 2 3 4; do
            echo "--hidden $hidden --layers $layers"
        done
    done
    echo "--level-weight 0.25"
    echo "--select-on ranking"
    echo "--select-on ranking --level-weight 0.25"
    echo "--ranking-weight 4 --ranking-margin 0.1"
}

cargo build --release -p halide-gcn-tools
tools=target/release/halide-gcn-tools
mkdir -p "$work"
if [ -n "$settings" ]; then
    mapfile -t runs < "$settings"
else
    mapfile -t runs < <(default_settings)
fi

echo "| settings | split seeds | kept epoch | validation MAPE | validation τ | validation regret | training τ |"
echo "|---|---|---|---|---|---|---|"
for i in "${!runs[@]}"; do
    setting="${runs[$i]}"
    rows=() kept=() failed=""
    for split in $split_seeds; do
        dir="$work/run-$i/split-$split"
        mkdir -p "$dir"
        # shellcheck disable=SC2086 # a setting is a list of arguments
        if ! "$tools" train "${data[@]}" --out "$dir/gcn.onnx" \
            --baseline-out "$dir/baseline.safetensors" --split-seed "$split" \
            $setting "${common[@]}" > "$dir/train.log" 2>&1; then
            failed="$dir/train.log"
            break
        fi
        kept+=("$(sed -n 's/^train: GCN: kept epoch \([0-9]*\) of [0-9]*.*/\1/p' "$dir/train.log")")
        fit() { sed -n "s/^train: GCN on its $1 pipelines: MAPE \([0-9.]*\)%, mean Kendall tau \([-0-9.]*\), top-1 regret \([0-9.]*\)/\1 \2 \3/p" "$dir/train.log"; }
        read -r v_mape v_tau v_regret <<< "$(fit validation)"
        read -r _ t_tau _ <<< "$(fit training)"
        rows+=("$v_mape $v_tau $v_regret $t_tau")
    done
    if [ -n "$failed" ]; then
        echo "| \`$setting\` | $split_seeds | failed: see $failed | | | | |"
        continue
    fi
    # Means over the split seeds.
    printf '%s\n' "${rows[@]}" | awk -v setting="$setting" -v seeds="$split_seeds" -v kept="${kept[*]}" '
        { mape += $1; tau += $2; regret += $3; train_tau += $4; n++ }
        END { printf "| `%s` | %s | %s | %.1f%% | %.3f | %.3f | %.3f |\n",
                     setting, seeds, kept, mape / n, tau / n, regret / n, train_tau / n }'
done
