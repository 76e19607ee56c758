#!/usr/bin/env bash
# End to end, as a user runs it: `./sknet predict` of a folder of 32 photos with an SKNet-50 model
# (wall time of the whole command, JVM start included) next to the same job as one PyTorch script
# (tools/bench/predict_pytorch.py). The model is the reference SKNet-50 with random weights, saved the
# documented way (torch.save(model.state_dict())) and imported with `import-torch --imagenet-preprocessing`;
# the photos are 1024x768 JPEGs. Runs alternate, 3 of each; prints every wall time, the medians and
# their ratio (sknet-dl4j / PyTorch; < 1 is faster).
#   tools/bench/predict-vs-pytorch.sh [WORK_DIR]   (default /tmp/sknet-predict-bench; files are reused)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/sknet-predict-bench}
runs=${RUNS:-3}
mkdir -p "$work/images"
py=/usr/bin/python3
if [ ! -f "$work/sknet50.pth" ]; then
  PYTHONPATH=tools/reference $py - "$work" <<'PY'
import sys, torch, numpy as np
from PIL import Image
from sknet_reference import build
work = sys.argv[1]
torch.manual_seed(0)
torch.save(build("sknet50", num_classes=1000).state_dict(), work + "/sknet50.pth")
rng = np.random.default_rng(0)
for i in range(32):
    # smooth colour fields plus noise: decodes like a photo, not like a flat image
    small = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    img = Image.fromarray(small).resize((1024, 768), Image.BICUBIC)
    noisy = np.clip(np.asarray(img, dtype=np.int16) + rng.integers(-20, 21, (768, 1024, 3)), 0, 255)
    Image.fromarray(noisy.astype(np.uint8)).save(f"{work}/images/photo_{i:02d}.jpg", quality=90)
PY
fi
if [ ! -f "$work/sknet50.zip" ] || [ "$work/sknet50.pth" -nt "$work/sknet50.zip" ]; then
  rm -f "$work/sknet50.zip"
  ./sknet import-torch --arch sknet50 --weights "$work/sknet50.pth" --out "$work/sknet50.zip" \
    --imagenet-preprocessing > /dev/null
fi
./sknet summary --arch sknet50 > /dev/null # builds the project if needed, outside the timings
wall() { local t0 t1; t0=$(date +%s.%N); "$@" > "$work/last.out" 2>&1 || { cat "$work/last.out" >&2; exit 1; }
  t1=$(date +%s.%N); python3 -c "print(f'{$t1 - $t0:.2f}')"; }
ours=() theirs=()
for r in $(seq "$runs"); do
  ours+=("$(wall ./sknet predict --model "$work/sknet50.zip" --input "$work/images" ${SKNET_PREDICT_ARGS:-})")
  [ "$(grep -c ':  ' "$work/last.out")" = 32 ] || { echo "sknet predict printed no 32 top-5 lines" >&2; exit 1; }
  theirs+=("$(wall $py tools/bench/predict_pytorch.py --arch sknet50 --weights "$work/sknet50.pth" --input "$work/images")")
  [ "$(grep -c ':  ' "$work/last.out")" = 32 ] || { echo "predict_pytorch.py printed no 32 top-5 lines" >&2; exit 1; }
  echo "run $r: sknet predict ${ours[-1]} s, PyTorch ${theirs[-1]} s"
done
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mo=$(med "${ours[@]}"); mt=$(med "${theirs[@]}")
echo "median wall time: sknet predict $mo s, PyTorch $mt s, ratio $(python3 -c "print(f'{$mo / $mt:.2f}')")x"
