#!/usr/bin/env bash
# Issue 12's figures: the three sequence tasks through the CLI, with PyTorch's time beside ours in the same run where
# /usr/bin/python3 has torch. Needs ../shared (datasets, reference scripts). Prints the CPU and the load average before
# every timed run: on a shared 2-core machine compare ratios from one run, not figures from different runs.
# Usage: bash bench/sequence-benchmarks.sh [ROUNDS]   (default 2 rounds of the image-rows runs; about 10 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
dotnet build src/Nabla.Cli -c Release -v quiet -nologo >/dev/null
dotnet build bench/Nabla.Benchmarks -c Release -v quiet -nologo >/dev/null
nabla() { dotnet src/Nabla.Cli/bin/Release/net10.0/Nabla.Cli.dll "$@"; }
load() { echo "  load: $(cut -d' ' -f1-3 /proc/loadavg)"; }
shared=../shared
torch=no
if /usr/bin/python3 -c "import torch" 2>/dev/null; then torch=yes; fi
out=$(mktemp -d)
echo "# machine: $(lscpu | grep 'Model name' | sed 's/Model name: *//'), $(nproc) cores, $(dotnet --version) SDK; PyTorch: $torch"

for round in $(seq 1 "$rounds"); do
  for cell in lstm gru; do
    echo "# round $round: images as sequences, ${cell^^}-128 over the 28 rows of mnist-10k, Adam 1e-3, batch 64, 3 epochs"
    load
    nabla train --arch "reshape(28,28) $cell(128)" --epochs 3 --seed 0 --json --quiet --out "$out/$cell.nabla"
    if [ "$torch" = yes ]; then
      load
      /usr/bin/python3 "$shared/reference/cnn_anchors.py" data/mnist-10k "$cell-rows" 3
    fi
  done
done

echo "# the recurrent layers alone, ms per batch (2 threads, then 1); and the step product packed once vs Gemm per step"
load
DOTNET_TieredCompilation=0 dotnet bench/Nabla.Benchmarks/bin/Release/net10.0/Nabla.Benchmarks.dll recurrent
load
NABLA_THREADS=1 DOTNET_TieredCompilation=0 dotnet bench/Nabla.Benchmarks/bin/Release/net10.0/Nabla.Benchmarks.dll recurrent

echo "# forecasting: yearly sunspots 1700-2008, last 20 % of the years as test, window 24, 1 step, GRU-32, season 11"
load
nabla train --data "$shared/datasets/timeseries/sunspots-yearly.csv" --task forecast --target sunspots --window 24 --season 11 \
  --arch "gru(32)" --epochs 100 --batch-size 16 --seed 0 --out "$out/sunspots.nabla" --quiet
nabla predict --model "$out/sunspots.nabla" --input "$shared/datasets/timeseries/sunspots-yearly.csv"
echo "# forecasting: Seattle daily temp_max 2012-2015 with precipitation, temp_min and wind as covariates, window 14, 7 days, season 7"
nabla train --data "$shared/datasets/timeseries/seattle-weather-daily.csv" --task forecast --target temp_max --window 14 --horizon 7 --season 7 \
  --arch "gru(32)" --epochs 30 --seed 0 --out "$out/seattle.nabla" --quiet

words="$shared/datasets/text/english-words.txt"
echo "# text: character-level GRU-128 on english-words.txt, 20 % of the words held out, Adam 1e-3, batch 64, 5 epochs"
load
nabla train --data "$words" --task text --arch "embedding(32) gru(128, return_sequences=true)" --epochs 5 --seed 0 --json --quiet --out "$out/words.nabla"
if [ "$torch" = yes ]; then
  load
  /usr/bin/python3 bench/reference/char_lm.py "$words" 5
fi
nabla generate --model "$out/words.nabla" --count 1000 --temperature 0.8 --seed 0 > "$out/samples.txt"
novel=$(grep -cvxF -f "$words" "$out/samples.txt" || true)
distinct=$(sort -u "$out/samples.txt" | wc -l)
echo "{\"samples\":1000,\"temperature\":0.8,\"new_words\":$novel,\"distinct\":$distinct}"
echo "  a few new ones: $(grep -vxF -f "$words" "$out/samples.txt" | head -12 | tr '\n' ' ')"
echo "  starting with qu: $(nabla generate --model "$out/words.nabla" --count 8 --temperature 0.8 --prefix qu --seed 0 | tr '\n' ' ')"
rm -rf "$out"
