#!/usr/bin/env bash
# Every workload of the performance issue, sknet-dl4j and the reference PyTorch SKNet in one run (the
# SKNet rows taking turns, two rounds a side: see sknet-vs-pytorch.sh), then one table of ratios
# (sknet-dl4j images/s / PyTorch images/s; > 1 is faster). Takes 20-30 minutes on a 2-core machine.
# Output: the SKConv table, then the SKNet table.
#   tools/bench/all-vs-pytorch.sh [--quick]   (--quick: fewer iterations, for a smoke run)
set -euo pipefail
cd "$(dirname "$0")/../.."
iters=10
[ "${1:-}" = "--quick" ] && iters=2
tools/bench/skconv-vs-pytorch.sh
rows=()
run() { # label, then the bench arguments shared by both sides
  local label=$1; shift
  local out ours theirs
  out=$(tools/bench/sknet-vs-pytorch.sh "$@" 2>&1)
  ours=$(sed -n 's/^sknet-dl4j \([0-9.]*\) images\/s, PyTorch \([0-9.]*\) images\/s, ratio \([0-9.]*\)x$/\1/p' <<<"$out")
  theirs=$(sed -n 's/^sknet-dl4j \([0-9.]*\) images\/s, PyTorch \([0-9.]*\) images\/s, ratio \([0-9.]*\)x$/\2/p' <<<"$out")
  local mem_ours mem_theirs
  mem_ours=$(sed -n 's/^peak resident, largest round: sknet-dl4j \([0-9]*\) MB, PyTorch \([0-9]*\) MB$/\1/p' <<<"$out")
  mem_theirs=$(sed -n 's/^peak resident, largest round: sknet-dl4j \([0-9]*\) MB, PyTorch \([0-9]*\) MB$/\2/p' <<<"$out")
  rows+=("$(printf '| %s | %s | %s | %.2fx | %s | %s |' "$label" "$ours" "$theirs" \
    "$(python3 -c "print($ours / $theirs)")" "$mem_ours" "$mem_theirs")")
  echo "${rows[-1]}" >&2
  grep '^rounds, images/s' <<<"$out" >&2
}
# batch 1: 4x the iterations (a pass is ~35-45 ms; ten of them were under half a second of measurement,
# and one side's median moved by up to 1.2x between two runs of the same workload)
b1_iters=$((iters * 4))
run "SKNet-50 b1 224 inference" --arch sknet50 --batch 1 --size 224 --mode inference --iters $b1_iters
# what predict and evaluate run by default (PyTorch runs its unfolded eval-mode model: see sknet_pytorch.py)
run "SKNet-50 b1 224 inference, BN folded" --arch sknet50 --batch 1 --size 224 --mode inference --iters $b1_iters --fold-bn
run "SKNet-50 b8 224 inference" --arch sknet50 --batch 8 --size 224 --mode inference --iters $iters
run "SKNet-50 b8 224 inference, BN folded" --arch sknet50 --batch 8 --size 224 --mode inference --iters $iters --fold-bn
run "SKNet-50 b32 224 inference" --arch sknet50 --batch 32 --size 224 --mode inference --iters $iters
run "SKNet-50 b8 112 inference" --arch sknet50 --batch 8 --size 112 --mode inference --iters $iters
run "SKNet-50 b8 160 inference" --arch sknet50 --batch 8 --size 160 --mode inference --iters $iters
# no batch-1 training step: the attention's BatchNorm over [1, d] has no batch statistics (PyTorch refuses it)
run "SKNet-50 b8 224 train step" --arch sknet50 --batch 8 --size 224 --mode train --iters $iters
run "SKNet-50 b32 224 train step" --arch sknet50 --batch 32 --size 224 --mode train --iters 3
run "sknet_cifar b128 32 train step" --arch sknet_cifar --batch 128 --size 32 --mode train --iters $iters
echo
echo "| workload | sknet-dl4j images/s | PyTorch images/s | ratio | sknet-dl4j peak RSS MB | PyTorch peak RSS MB |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
