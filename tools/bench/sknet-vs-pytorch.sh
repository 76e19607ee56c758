#!/usr/bin/env bash
# Whole-network throughput: sknet-dl4j (`./sknet bench`) and the reference PyTorch SKNet on the same
# workload, one after the other in one run; prints both and the ratio of images/s.
#   tools/bench/sknet-vs-pytorch.sh [--arch sknet50] [--batch 8] [--size 224] [--mode inference|train]
set -euo pipefail
cd "$(dirname "$0")/../.."
# PyTorch runs with glibc's thresholds raised (freed memory kept for reuse): fresh pages are expensive on
# these machines and its allocator frees every tensor. DL4J reuses its workspaces and needs no such help.
torch_env=(env MALLOC_MMAP_THRESHOLD_=2147483647 MALLOC_TRIM_THRESHOLD_=68719476736)
threads=${THREADS:-2}
export OMP_NUM_THREADS=$threads
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(grep -q avx512f /proc/cpuinfo && echo AVX-512 || echo 'AVX2, no AVX-512'), threads=$threads"
ours=$(./sknet bench "$@" | tee /dev/stderr | awk '/^images\/s:/ {print $2}')
theirs=$("${torch_env[@]}" /usr/bin/python3 tools/bench/sknet_pytorch.py --threads "$threads" "$@" | tee /dev/stderr \
         | awk '/^images\/s:/ {print $2}')
python3 -c "import sys; o, t = float(sys.argv[1]), float(sys.argv[2]); print(f'sknet-dl4j {o:.2f} images/s, PyTorch {t:.2f} images/s, ratio {o / t:.2f}x')" "$ours" "$theirs"
