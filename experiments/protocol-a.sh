#!/usr/bin/env bash
# Protocol A of issue 11 (volume propagation) on the six F3 sections: labels on inlines 130, 241 and crosslines 327,
# 575 only; inline 608 and crossline 778 are never labelled and are scored. Each row of RESULTS.md is one call:
#   experiments/protocol-a.sh NAME SEED [extra f3.ts flags...]
# writes experiments/runs/protocol-a/NAME-SEED/results.json and experiments/logs/protocol-a-NAME-SEED.log.
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1; seed=$2; shift 2
out=experiments/runs/protocol-a/$name-$seed
mkdir -p experiments/logs "$out"
exec node --import tsx experiments/f3.ts --out "$out" --seed "$seed" --step 3 --train 0,1,3,4 --base 8 --patch 64 --batch 8 --steps 32 "$@" \
  > "experiments/logs/protocol-a-$name-$seed.log" 2>&1
