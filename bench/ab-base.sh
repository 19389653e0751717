#!/usr/bin/env bash
# Interleaved A/B of training speed against an older commit (issue 10: the architecture rework must not slow training):
# both builds train the same networks with the same options, alternating old and new round by round, and the
# summary gives each side's median train_seconds and its test accuracy (the same seed gives the same accuracy on both
# when the numerics did not change).
# When /usr/bin/python3 has torch, PyTorch's run of the first network is printed beside them.
# Usage: bash bench/ab-base.sh [BASE_COMMIT] [ROUNDS]     (defaults: 4911075, the commit before issue 10; 3 rounds)
# Builds BASE_COMMIT in a temporary git worktree. Needs ../shared/datasets/fashion-mnist. About 4 minutes a round on
# a quiet 2-core machine; the load average is printed before every round — figures taken under load are not comparable.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-4911075}
rounds=${2:-3}
F=../shared/datasets/fashion-mnist
old=$(mktemp -d)
out=$(mktemp -d)
trap 'git worktree remove --force "$old" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
git worktree add -q --detach "$old" "$base"
dotnet build "$old/src/Nabla.Cli" -c Release -v quiet -nologo >/dev/null
dotnet build src/Nabla.Cli -c Release -v quiet -nologo >/dev/null
declare -A dll=([old]="$old/src/Nabla.Cli/bin/Release/net10.0/Nabla.Cli.dll" [new]="src/Nabla.Cli/bin/Release/net10.0/Nabla.Cli.dll")
names=(fashion-512-512-adam-5 tutorial-784-10-10-gd-500 default-784-128-10 fashion-512-256-bn-dropout-adamw-3)
run() { # side name
  local args
  case $2 in
    fashion-512-512-adam-5) args="--data $F --layers 512,512 --epochs 5 --batch-size 64" ;;
    tutorial-784-10-10-gd-500) args="--data data/mnist-10k --layers 10 --loss categorical-cross-entropy --init uniform --optimizer sgd --lr 0.1 --batch-size full --epochs 500" ;;
    default-784-128-10) args="--data data/mnist-10k --epochs 10 --batch-size 64" ;;
    fashion-512-256-bn-dropout-adamw-3) args="--data $F --layers 512,256 --batch-norm --dropout 0.2 --optimizer adamw --lr 0.002 --batch-size 128 --epochs 3" ;;
  esac
  # shellcheck disable=SC2086
  dotnet "${dll[$1]}" train $args --seed 0 --json --quiet --out "$out/$1.nabla" 2>/dev/null | tail -1 >> "$out/$1.$2"
}
for ((r = 1; r <= rounds; r++)); do
  echo "# round $r of $rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for name in "${names[@]}"; do
    if ((r % 2)); then run old "$name"; run new "$name"; else run new "$name"; run old "$name"; fi
  done
done
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "# the reference beside them: PyTorch 1.13, fashion-mnist 784-512-512-10, Adam, batch 64, 5 epochs (load $(cut -d' ' -f1-3 /proc/loadavg))"
  /usr/bin/python3 ../shared/reference/anchors.py "$F" torch-wide 5
fi
echo "# base $base ($(git log -1 --format=%cs "$base")) against $(git rev-parse --short HEAD); $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
printf '%-38s %12s %12s %8s %10s %10s\n' network old_s new_s new/old old_acc new_acc
for name in "${names[@]}"; do
  /usr/bin/python3 - "$out/old.$name" "$out/new.$name" "$name" <<'EOF'
import json, statistics, sys
def read(path):
    rows = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    return statistics.median(r["train_seconds"] for r in rows), rows[-1].get("test_accuracy", float("nan"))
(o, oa), (n, na) = read(sys.argv[1]), read(sys.argv[2])
print(f"{sys.argv[3]:<38} {o:12.2f} {n:12.2f} {n / o:8.2f} {oa:10.4f} {na:10.4f}")
EOF
done
