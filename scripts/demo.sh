#!/usr/bin/env bash
# scripts/demo.sh — autoschedules the bundled unsharp mask (examples/) with Gcn and with
# Halide's Adams2019 (from the same wheel, same target and parallelism), prints Gcn's schedule,
# then benchmarks the two libraries interleaved under RunGen and prints the best times and
# their ratio. Run by scripts/setup.sh after the release build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

halide=$(.venv/bin/python -c "import halide; print(halide.install_dir())")
lib="$halide/lib64"
[ -f "$lib/libHalide.so" ] || lib="$halide/lib"
plugin="$PWD/target/release/libautoschedule_gcn.so"
[ -f "$plugin" ] || { echo "demo: build the plugin first (cargo build --release)" >&2; exit 1; }
out=target/demo
mkdir -p "$out"
cores=$(nproc)

if [ ! -x "$out/unsharp.generator" ] || [ examples/unsharp_generator.cpp -nt "$out/unsharp.generator" ]; then
    c++ -std=c++17 -O1 -I"$halide/include" examples/unsharp_generator.cpp "$lib/libHalide_GenGen.a" \
        -L"$lib" -lHalide -Wl,-rpath,"$lib" -lpthread -ldl -o "$out/unsharp.generator"
fi
if [ ! -f "$out/RunGenMain.o" ]; then
    c++ -std=c++17 -O2 -DHALIDE_NO_PNG -DHALIDE_NO_JPEG -I"$halide/include" -I"$halide/share/tools" \
        -c "$halide/share/tools/RunGenMain.cpp" -o "$out/RunGenMain.o"
fi

declare -A plugin_of=([Gcn]="$plugin" [Adams2019]="$lib/libautoschedule_adams2019.so")
schedulers=(Gcn Adams2019)
for s in "${schedulers[@]}"; do
    mkdir -p "$out/$s"
    start=$(date +%s%N)
    "$out/unsharp.generator" -g unsharp -f "unsharp_$s" -o "$out/$s" \
        -e static_library,c_header,registration,schedule target=host \
        -p "${plugin_of[$s]}" autoscheduler="$s" autoscheduler.parallelism="$cores"
    end=$(date +%s%N)
    echo "demo: $s scheduled the pipeline in $(( (end - start) / 1000000 )) ms"
    c++ "$out/RunGenMain.o" "$out/$s/unsharp_$s.registration.cpp" "$out/$s/unsharp_$s.a" \
        -lpthread -ldl -o "$out/$s/run"
done

echo
echo "=== Gcn's schedule ($out/Gcn/unsharp_Gcn.schedule.h) ==="
sed -n '/^inline void apply_schedule/,/^}/p' "$out/Gcn/unsharp_Gcn.schedule.h"
echo

declare -A best
rounds=5
for round in $(seq 1 $rounds); do
    for s in "${schedulers[@]}"; do
        t=$(HL_NUM_THREADS="$cores" "$out/$s/run" --benchmarks=all --estimate_all --parsable_output \
            --benchmark_min_time=0.2 | awk '/BEST_TIME_MSEC_PER_ITER/ {print $3}')
        best[$s]=$(python3 -c "import sys; print(min(float(v) for v in sys.argv[1:] if v))" "$t" "${best[$s]:-}")
    done
done
echo "=== Run time, best of $rounds interleaved rounds, $cores threads ==="
for s in "${schedulers[@]}"; do
    printf '  %-10s %8.3f ms\n' "$s" "${best[$s]}"
done
python3 -c "import sys; print('  Gcn / Adams2019 = %.2f (below 1 means Gcn is faster)' % (float(sys.argv[1]) / float(sys.argv[2])))" "${best[Gcn]}" "${best[Adams2019]}"
