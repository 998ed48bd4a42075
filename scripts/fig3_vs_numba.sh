#!/usr/bin/env bash
# Side-by-side timing of a full Figure 3 training: the Rust `fig3-timing` binary against our numba
# comparator (scripts/numba_baseline/fig3_numba.py: same workload, dense per-neuron P, prange over neurons).
#
#   bash scripts/fig3_vs_numba.sh [-r R] [-l L] [-t T] [-s SEED] [-q rows|cols|both]
#
#   -r R     rounds, each: Rust, then numba (default 2)
#   -l L     training loops per run (default 30, the paper's Figure 3)
#   -t T     threads of both (default 2)
#   -s SEED  seed of both (default 1)
#   -q FORM  numba's q = P x: rows (default, the literal per-row dot products), cols (the faster axpy form
#            using P's symmetry), or both (two numba runs per round, one ratio each)
#
# Builds the Rust binary first (cargo build --release -p spikelearn-bench --bin fig3-timing). Needs
# python3 with numpy and numba (PYTHON=... selects the interpreter). Prints, per round, the training wall
# time and its learning/simulation split of both, the host bandwidth fig3-timing measured around its run
# and its learning bound and read ratios, the ratio numba_train_s / rust_train_s and the load
# average before each run; full outputs are kept in a temporary directory (path printed). Only ratios
# within one run mean anything on a shared machine: other processes slow both, and not alike (numba's
# parfors are statically scheduled and wait for every thread at each step; our learning step is bound by
# memory bandwidth and slows most when the host's bandwidth drops: +33 % against numba's +6 % in one
# pair on 2026-11-29).
set -euo pipefail

R=2
L=30
T=2
SEED=1
QFORM=rows
while getopts "r:l:t:s:q:h" opt; do
  case "$opt" in
    r) R="$OPTARG" ;;
    l) L="$OPTARG" ;;
    t) T="$OPTARG" ;;
    s) SEED="$OPTARG" ;;
    q) QFORM="$OPTARG" ;;
    h) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [-r R] [-l L] [-t T] [-s SEED] [-q rows|cols|both]" >&2; exit 2 ;;
  esac
done
for v in "$R" "$L" "$T"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "-r, -l and -t need positive integers" >&2; exit 2; }
done
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "-s needs a non-negative integer" >&2; exit 2; }
case "$QFORM" in
  rows | cols) FORMS=("$QFORM") ;;
  both) FORMS=(rows cols) ;;
  *) echo "-q must be rows, cols or both" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
"$PY" -c "import numpy, numba" 2>/dev/null || {
  echo "error: $PY cannot import numpy and numba (pip install numba numpy)" >&2
  exit 1
}

cargo build --release -p spikelearn-bench --bin fig3-timing
RUST_BIN="$ROOT/target/release/fig3-timing"
NUMBA_PY="$ROOT/scripts/numba_baseline/fig3_numba.py"
LOGS="$(mktemp -d "${TMPDIR:-/tmp}/fig3_vs_numba.XXXXXX")"

# value of key=... in a summary line
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }  # 1, 5, 15 min load average

echo "fig3 Rust vs numba: $R round(s), $L loops, $T threads, seed $SEED, numba q form(s) ${FORMS[*]}; logs in $LOGS"
echo "numba $("$PY" -c 'import numba; print(numba.__version__)'), numpy $("$PY" -c 'import numpy; print(numpy.__version__)'), $(nproc) CPUs"
declare -A ratios=()
for ((k = 1; k <= R; k++)); do
  printf 'round %d\n' "$k"
  l_rust="$(load)"
  "$RUST_BIN" --threads "$T" --loops "$L" --seed "$SEED" >"$LOGS/rust_$k.txt"
  s_rust="$(grep '^summary fig3 ' "$LOGS/rust_$k.txt")"
  rt="$(field "$s_rust" train_s)"
  printf '  rust         train_s=%8s learn_s=%8s sim_s=%7s last_pearson=%s test_pearson=%s  (load before: %s)\n' \
    "$rt" "$(field "$s_rust" learn_s)" "$(field "$s_rust" sim_s)" "$(field "$s_rust" last_pearson)" \
    "$(field "$s_rust" test_pearson)" "$l_rust"
  printf '               bandwidth B=%s GB/s (read-only %s) around the Rust run, its learning bound ratio %s, read ratio %s (see fig3-timing)\n' \
    "$(field "$s_rust" bw_gbs)" "$(field "$s_rust" read_gbs)" "$(field "$s_rust" learn_bound_ratio)" \
    "$(field "$s_rust" learn_read_ratio)"
  for q in "${FORMS[@]}"; do
    l_numba="$(load)"
    "$PY" "$NUMBA_PY" --threads "$T" --loops "$L" --seed "$SEED" --qform "$q" >"$LOGS/numba_${q}_$k.txt"
    s_numba="$(grep '^summary numba_fig3 ' "$LOGS/numba_${q}_$k.txt")"
    nt="$(field "$s_numba" train_s)"
    ratio="$(awk -v a="$nt" -v b="$rt" 'BEGIN { printf "%.2f", a / b }')"
    ratios[$q]="${ratios[$q]:+${ratios[$q]},}$ratio"
    printf '  numba %-5s  train_s=%8s learn_s=%8s sim_s=%7s last_pearson=%s test_pearson=%s  (load before: %s)\n' \
      "$q" "$nt" "$(field "$s_numba" learn_s)" "$(field "$s_numba" sim_s)" "$(field "$s_numba" last_pearson)" \
      "$(field "$s_numba" test_pearson)" "$l_numba"
    printf '  ratio numba(%s)_train_s / rust_train_s = %s\n' "$q" "$ratio"
  done
done
for q in "${FORMS[@]}"; do
  printf 'summary fig3_vs_numba qform=%s rounds=%d loops=%d threads=%d ratios=%s (target >= 3.5)\n' \
    "$q" "$R" "$L" "$T" "${ratios[$q]}"
done
