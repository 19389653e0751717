#!/usr/bin/env bash
# The figures of docs/LEARN.md: runs every `nabla …` command of the page's bash blocks as written, in order, in a
# scratch folder (with the repository's data/ and examples/ linked in), and prints each command with its output.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
dotnet build src/Nabla.Cli -c Release -v quiet -nologo >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The commands run in $scratch/run, so that the page's ../shared/datasets/... paths reach the project's shared datasets.
work="$scratch/run"
mkdir "$work"
ln -s "$repo/data" "$work/data"
ln -s "$repo/examples" "$work/examples"
[ -d "$repo/../shared" ] && ln -s "$(cd "$repo/../shared" && pwd)" "$scratch/shared"
echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$repo/docs/LEARN.md" > "$scratch/commands" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for block in re.findall(r"```bash\n(.*?)```", text, re.S):
    for line in block.replace("\\\n", " ").splitlines():
        if line.startswith("nabla "):
            print(line)
PY
cd "$work"
while IFS= read -r command; do
  echo "\$ $command"
  eval "dotnet $repo/src/Nabla.Cli/bin/Release/net10.0/Nabla.Cli.dll ${command#nabla }" 2>&1 | grep -v '^epoch ' | head -40 || true
done < "$scratch/commands"
