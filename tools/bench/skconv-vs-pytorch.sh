#!/usr/bin/env bash
# SKConv and grouped convolution: sknet-dl4j and PyTorch 1.13 (Debian's python3-torch) on the same
# workloads, in one run, on this machine; prints the table with ratios (sknet-dl4j ms / PyTorch ms).
set -euo pipefail
cd "$(dirname "$0")/../.."
# PyTorch runs with glibc's thresholds raised (freed memory kept for reuse): fresh pages are expensive on
# these machines and its allocator frees every tensor. DL4J reuses its workspaces and needs no such help.
torch_env=(env MALLOC_MMAP_THRESHOLD_=2147483647 MALLOC_TRIM_THRESHOLD_=68719476736)
threads=${THREADS:-2}
export OMP_NUM_THREADS=$threads
torch_json=$(mktemp)
trap 'rm -f "$torch_json"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(grep -q avx512f /proc/cpuinfo && echo AVX-512 || echo 'AVX2, no AVX-512'), threads=$threads"
# 30 timed iterations each side: a workload of ~10 ms, timed 10 times, took its median from a tenth of
# a second, and these machines' noise moved one side's median by up to 1.6x between runs
iters=(--iters "${ITERS:-30}" --warmup "${WARMUP:-20}")
"${torch_env[@]}" /usr/bin/python3 tools/bench/skconv_pytorch.py --threads "$threads" "${iters[@]}" > "$torch_json"
./sknet bench-skconv --pytorch "$torch_json" "${iters[@]}" "$@"
