#!/usr/bin/env bash
# Packs the nabla tool as a user gets it, installs it into a temporary tool path from the packed folder, and runs it
# from an empty folder elsewhere: nabla train --epochs 1 --plot (the built-in digits and SkiaSharp's native files come
# from the package), evaluate without --data, predict on a picture. Prints each package's size.
#   bash bench/tool-package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/nabla-tool-XXXXXX)
trap 'rm -rf "$work"' EXIT
dotnet pack src/Nabla.Cli -c Release -o "$work/packages" -v quiet -nologo
dotnet pack src/Nabla -c Release -o "$work/packages" -v quiet -nologo
for package in "$work"/packages/*.nupkg; do
  printf '%-44s %10d bytes (%s)\n' "$(basename "$package")" "$(stat -c %s "$package")" "$(du -h "$package" | cut -f1)"
done
dotnet tool install --tool-path "$work/tools" --add-source "$work/packages" nabla
mkdir "$work/elsewhere"
cd "$work/elsewhere"
"$work/tools/nabla" --help | sed -n 4,5p
"$work/tools/nabla" train --epochs 1 --plot curves.png
"$work/tools/nabla" evaluate --model model.nabla | head -3
test -s curves.png && echo "curves.png: $(stat -c %s curves.png) bytes"
