#!/usr/bin/env bash
# Whole-network throughput: sknet-dl4j (`./sknet bench`) and the reference PyTorch SKNet on the same
# workload in one run; prints both and the ratio of images/s.
#   [ROUNDS=2] tools/bench/sknet-vs-pytorch.sh [--arch sknet50] [--batch 8] [--size 224] [--mode inference|train]
# The two sides take turns, ROUNDS rounds in the order ours, PyTorch, PyTorch, ours, ... (each side as
# often first as second): these machines' speed drifts by 10-30% over minutes, and one side run once
# after the other took the whole drift. Each side's figure is its best round (fewest ms a batch), the
# usual way to time on a noisy machine (timeit's); every round is printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
# PyTorch runs with glibc's thresholds raised (freed memory kept for reuse): fresh pages are expensive on
# these machines and its allocator frees every tensor. DL4J reuses its workspaces and needs no such help.
torch_env=(env MALLOC_MMAP_THRESHOLD_=2147483647 MALLOC_TRIM_THRESHOLD_=68719476736)
threads=${THREADS:-2}
rounds=${ROUNDS:-2}
export OMP_NUM_THREADS=$threads
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(grep -q avx512f /proc/cpuinfo && echo AVX-512 || echo 'AVX2, no AVX-512'), threads=$threads"
ours=() theirs=() rss_ours=() rss_theirs=()
run_ours() {
  local out
  out=$(./sknet bench "$@" | tee /dev/stderr)
  ours+=("$(awk '/^images\/s:/ {print $2}' <<<"$out")")
  rss_ours+=("$(sed -n 's/^peak heap: .*peak resident (heap + off-heap): \([0-9]*\) MB.*/\1/p' <<<"$out")")
}
run_theirs() {
  local out
  out=$("${torch_env[@]}" /usr/bin/python3 tools/bench/sknet_pytorch.py --threads "$threads" "$@" | tee /dev/stderr)
  theirs+=("$(awk '/^images\/s:/ {print $2}' <<<"$out")")
  rss_theirs+=("$(sed -n 's/^peak resident: \([0-9]*\) MB$/\1/p' <<<"$out")")
}
for ((r = 1; r <= rounds; r++)); do
  echo "--- round $r of $rounds"
  if ((r % 2 == 1)); then run_ours "$@"; run_theirs "$@"; else run_theirs "$@"; run_ours "$@"; fi
done
python3 - "${ours[*]}" "${theirs[*]}" "${rss_ours[*]}" "${rss_theirs[*]}" <<'PY'
import sys
o, t = [list(map(float, a.split())) for a in sys.argv[1:3]]
ro, rt = [max(map(int, a.split())) for a in sys.argv[3:5]]
print("rounds, images/s: sknet-dl4j " + " ".join(f"{v:.2f}" for v in o) + "; PyTorch " + " ".join(f"{v:.2f}" for v in t))
print(f"peak resident, largest round: sknet-dl4j {ro} MB, PyTorch {rt} MB")
print(f"sknet-dl4j {max(o):.2f} images/s, PyTorch {max(t):.2f} images/s, ratio {max(o) / max(t):.2f}x")
PY
