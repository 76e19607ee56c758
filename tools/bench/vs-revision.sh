#!/usr/bin/env bash
# Throughput of this checkout against an earlier revision, on the same machine in one run: the
# revision's classes are built in a temporary worktree (same dependencies), then `sknet bench` runs
# alternate old, new, old, new for each workload; last, both paths of this checkout (helpers and
# --samediff) side by side for the SKConv block.
#   tools/bench/vs-revision.sh REV [--quick]
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=${1:?usage: tools/bench/vs-revision.sh REV [--quick]}
iters=10
[ "${2:-}" = "--quick" ] && iters=2
./sknet --help > /dev/null                                    # builds this checkout if needed
cp=$(cat sknet-app/target/classpath.txt)
new="sknet-app/target/classes:sknet-models/target/classes:sknet-layer/target/classes:$cp"
old_tree=$(mktemp -d)
trap 'git worktree remove --force "$old_tree" > /dev/null 2>&1 || true' EXIT
git worktree add --detach "$old_tree" "$rev" > /dev/null 2>&1
new_main=io.github.sknet.app.Sknet
if [ -d "$old_tree/sknet-app" ]; then # the command in its own module (sknet-app)
  (cd "$old_tree" && mvn -B -q -o -DskipTests -pl sknet-layer,sknet-models,sknet-app compile > /dev/null)
  old="$old_tree/sknet-app/target/classes:$old_tree/sknet-models/target/classes:$old_tree/sknet-layer/target/classes:$cp"
  old_main=io.github.sknet.app.Sknet
else # earlier revisions: the command in sknet-models
  (cd "$old_tree" && mvn -B -q -o -DskipTests -pl sknet-layer,sknet-models compile > /dev/null)
  old="$old_tree/sknet-models/target/classes:$old_tree/sknet-layer/target/classes:$cp"
  old_main=io.github.sknet.models.cli.Sknet
fi
bench() { # classpath, main class, then bench arguments; prints images/s
  java -cp "$1" "$2" bench "${@:3}" 2>/dev/null | sed -n 's/^images\/s: //p'
}
rows=()
run() { # label, then the bench arguments
  local label=$1; shift
  local o1 n1 o2 n2
  o1=$(bench "$old" $old_main "$@"); n1=$(bench "$new" $new_main "$@")
  o2=$(bench "$old" $old_main "$@"); n2=$(bench "$new" $new_main "$@")
  rows+=("$(printf '| %s | %s, %s | %s, %s | %.3f |' "$label" "$o1" "$o2" "$n1" "$n2" \
    "$(python3 -c "print(($n1 + $n2) / ($o1 + $o2))")")")
  echo "${rows[-1]}" >&2
}
run "SKNet-50 b8 224 inference" --arch sknet50 --batch 8 --mode inference --iters $iters
run "SKNet-50 b8 224 train step" --arch sknet50 --batch 8 --mode train --iters $iters
echo
echo "| workload | $rev images/s (two runs) | this checkout images/s (two runs) | ratio new/old |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "SKConv block, $rev:"
java -cp "$old" $old_main bench-skconv --iters $iters 2>/dev/null | grep -E "^SKConv|^workload"
echo "SKConv block, this checkout, both paths:"
java -cp "$new" $new_main bench-skconv --iters $iters --samediff 2>/dev/null | grep -E "^SKConv|^workload"
