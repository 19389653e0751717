#!/usr/bin/env bash
# Issue 12's figures (docs/BENCHMARKS.md, "Recurrent networks"): the three sequence tasks through the CLI, with the
# PyTorch reference beside ours in the same run where /usr/bin/python3 has torch (../shared/reference/cnn_anchors.py
# for image rows, bench/reference/char_lm.py for the character model; PyTorch 1.13 CPU, 2 threads), then one summary
# with both sides, the ratios and each target. Every run records the load average before it: on the shared 2-core
# machine compare ratios from one run of this script, not figures from different runs.
# Usage: bash bench/sequence-benchmarks.sh [ROUNDS]   (default 1 round of the image-rows runs, nabla and PyTorch
# alternating; about 6 minutes on a quiet machine, PyTorch's runs most of it). SKIP_LAYERS=1 leaves out the per-layer
# timings. Needs ../shared (datasets, reference scripts).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}
dotnet build src/Nabla.Cli -c Release -v quiet -nologo >/dev/null
[ "${SKIP_LAYERS:-0}" = 1 ] || dotnet build bench/Nabla.Benchmarks -c Release -v quiet -nologo >/dev/null
shared=../shared
words="$shared/datasets/text/english-words.txt"
sunspots="$shared/datasets/timeseries/sunspots-yearly.csv"
seattle="$shared/datasets/timeseries/seattle-weather-daily.csv"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
has_torch=0
if /usr/bin/python3 -c "import torch" 2>/dev/null; then has_torch=1; fi
load() { cut -d' ' -f1-3 /proc/loadavg; }
cpu=$(lscpu | grep 'Model name' | sed 's/Model name: *//')
echo "# $cpu, $(nproc) cores; .NET SDK $(dotnet --version); PyTorch: $([ $has_torch = 1 ] && /usr/bin/python3 -c 'import torch; print(torch.__version__)' || echo none); $(date -u '+%F %H:%M') UTC"

# record NAME COMMAND...: runs a command that prints one JSON line, adds the load average before it, appends it to $out/NAME
record() {
  local name=$1; shift
  local before; before=$(load)
  local line; line=$("$@" | tail -1)
  line="${line%\}},\"load_before\":\"$before\",\"load_after\":\"$(load)\"}"
  echo "  $name: $line"
  echo "$line" >> "$out/$name"
}
nabla() { dotnet src/Nabla.Cli/bin/Release/net10.0/Nabla.Cli.dll "$@"; }

for round in $(seq 1 "$rounds"); do
  for cell in lstm gru; do
    echo "# round $round: images as sequences, ${cell^^}-128 over the 28 rows of mnist-10k, Adam 1e-3, batch 64, 3 epochs"
    record "$cell.nabla" nabla train --arch "reshape(28,28) $cell(128)" --epochs 3 --batch-size 64 --seed 0 --json --quiet --out "$out/$cell.model"
    [ $has_torch = 0 ] || record "$cell.torch" /usr/bin/python3 "$shared/reference/cnn_anchors.py" data/mnist-10k "$cell-rows" 3
  done
done

if [ "${SKIP_LAYERS:-0}" != 1 ]; then
  echo "# the recurrent layers alone, ms per batch on 2 threads then 1 (load: $(load)); the step product packed once vs Gemm per step"
  DOTNET_TieredCompilation=0 dotnet bench/Nabla.Benchmarks/bin/Release/net10.0/Nabla.Benchmarks.dll recurrent
  NABLA_THREADS=1 DOTNET_TieredCompilation=0 dotnet bench/Nabla.Benchmarks/bin/Release/net10.0/Nabla.Benchmarks.dll recurrent
fi

echo "# forecasting: yearly sunspots 1700-2008, the last 20 % of the years as test, window 24, 1 step ahead, GRU-32, season 11"
record sunspots nabla train --data "$sunspots" --task forecast --target sunspots --window 24 --season 11 \
  --arch "gru(32)" --epochs 100 --batch-size 16 --seed 0 --json --quiet --out "$out/sunspots.model"
echo "  predict after the end of the file: $(nabla predict --model "$out/sunspots.model" --input "$sunspots" | tail -n +2 | tr '\n' ' ')"
echo "# forecasting: Seattle daily temp_max 2012-2015 (precipitation, temp_min, wind as covariates), window 14, 7 days ahead, season 7"
record seattle nabla train --data "$seattle" --task forecast --target temp_max --window 14 --horizon 7 --season 7 \
  --arch "gru(32)" --epochs 30 --seed 0 --json --quiet --out "$out/seattle.model"

echo "# text: a character-level GRU-128 on english-words.txt, a seeded 20 % of the words held out, Adam 1e-3, batch 64, 5 epochs"
record text.nabla nabla train --data "$words" --task text --arch "embedding(32) gru(128, return_sequences=true)" --epochs 5 --seed 0 --json --quiet --out "$out/words.model"
[ $has_torch = 0 ] || record text.torch /usr/bin/python3 bench/reference/char_lm.py "$words" 5
nabla generate --model "$out/words.model" --count 1000 --temperature 0.8 --seed 0 > "$out/samples.txt"
sort -u "$words" > "$out/known.txt"
sort "$out/samples.txt" | comm -23 - "$out/known.txt" > "$out/new.txt"
echo "{\"samples\":$(wc -l < "$out/samples.txt"),\"new_words\":$(wc -l < "$out/new.txt"),\"distinct_new\":$(sort -u "$out/new.txt" | wc -l)}" > "$out/novelty"
echo "  new words among them (in sampling order): $(grep -vxF -f "$out/known.txt" "$out/samples.txt" | head -16 | tr '\n' ' ')"
echo "  --prefix qu: $(nabla generate --model "$out/words.model" --count 8 --temperature 0.8 --prefix qu --seed 0 | tr '\n' ' ')"

/usr/bin/python3 - "$out" "$cpu" <<'PY'
import json, os, statistics, sys
out, cpu = sys.argv[1], sys.argv[2]
def rows(name):
    path = f"{out}/{name}"
    return [json.loads(l) for l in open(path)] if os.path.exists(path) else []
med = lambda rs, key: statistics.median(r[key] for r in rs)
loads = lambda rs: ", ".join(r["load_before"].split()[0] for r in rs)
print(f"# summary ({cpu}; median over rounds; load = 1-minute load average before each run)")
for cell in ("lstm", "gru"):
    ours, theirs = rows(f"{cell}.nabla"), rows(f"{cell}.torch")
    s, a = med(ours, "train_seconds"), med(ours, "test_accuracy")
    line = f"images as sequences, {cell.upper()}-128: nabla {s:.2f} s, accuracy {a:.4f} (load {loads(ours)})"
    if theirs:
        ts, ta = med(theirs, "seconds"), med(theirs, "test_accuracy")
        ok = "met" if ts / s >= 3 and a >= ta - 0.01 else "NOT met"
        line += f" | pytorch {ts:.2f} s, accuracy {ta:.4f} (load {loads(theirs)}) | {ts / s:.1f}x faster, {100 * (a - ta):+.2f} points | target >= 3x, within 1 point: {ok}"
    print(line)
for name in ("sunspots", "seattle"):
    r = rows(name)[-1]
    best = min(r["naive_rmse"], r.get("seasonal_naive_rmse", float("inf")))
    print(f"forecast {name} ({r['target']}, window {r['window']}, horizon {r['horizon']}, {r['test_windows']} test windows {r['test_period']}): "
          f"RMSE {r['test_rmse']:.2f} / MAE {r['test_mae']:.2f} / MAPE {r['test_mape']:.1f} %; last value {r['naive_rmse']:.2f} / {r['naive_mae']:.2f} / {r['naive_mape']:.1f} %"
          + (f"; seasonal naive (season {r['season']}) {r['seasonal_naive_rmse']:.2f} / {r['seasonal_naive_mae']:.2f} / {r['seasonal_naive_mape']:.1f} %" if "season" in r else "")
          + f"; {r['train_seconds']:.1f} s | beats both baselines: {'met' if r['test_rmse'] < best else 'NOT met'}")
t, novelty = rows("text.nabla")[-1], rows("novelty")[-1]
line = (f"text: held-out {t['test_bits_per_char']:.3f} bits per character, bigram {t['bigram_bits_per_char']:.3f} "
        f"({100 * t['below_bigram']:.1f} % below; target >= 15 %: {'met' if t['below_bigram'] >= 0.15 else 'NOT met'}), nabla {t['train_seconds']:.1f} s (load {t['load_before'].split()[0]})")
if rows("text.torch"):
    p = rows("text.torch")[-1]
    line += f" | pytorch {p['seconds']:.1f} s, {p['test_bits_per_char']:.3f} bits (load {p['load_before'].split()[0]}) | {p['seconds'] / t['train_seconds']:.1f}x faster"
print(line)
print(f"text samples: {novelty['new_words']} of {novelty['samples']} ({100 * novelty['new_words'] / novelty['samples']:.1f} %) are not in the training file ({novelty['distinct_new']} distinct)")
PY
