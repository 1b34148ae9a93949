#!/bin/sh
# CPython's own regression tests as the oracle for the shim: each module runs
# three times with Debian's /usr/bin/python3 and its test package
# (libpython3.11-testsuite) - without the shim, then preloaded with
# TELEMETRY_CAPTURE=significant and with =all, each run with its own fresh
# TELEMETRY_DIR, TMPDIR and working directory - and every test case's outcome
# (ok, fail, error, skip) must be the one it had without the shim.  A case
# that fails without the shim too is listed, not counted.  A difference is
# re-run on its own (--matchfile) twice without and twice with the shim, and
# only one that shows again every time is counted; the others are listed as
# not reproduced.  After each shim run every line of the telemetry directory
# must be a JSON object.  Takes minutes; `make check` runs it.
# Usage: tests/peer/cpython.sh BUILD_DIR [test_module...]
set -u

BUILD=$(cd "${1:?usage: cpython.sh BUILD_DIR [test_module...]}" && pwd -P)
shift
SHIM="$BUILD/libtelemetry_shim.so"
HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
clean_env

PY=/usr/bin/python3
OUTCOMES="$HERE/outcomes.py"
# The modules whose calls the shim interposes (open, rename, write families,
# fork/exec, signals, fds).  One home: arguments replace the list.
MODULES="test_os test_fileio test_io test_shutil test_tempfile test_posix \
test_pathlib test_subprocess test_signal test_faulthandler test_fcntl"
[ $# -gt 0 ] && MODULES="$*"
# Resources: cpu (test_io's thread tests) and subprocess; not network or
# urlfetch (no network here), not largefile (files over 2 GiB, many minutes).
# A test still running after TIMEOUT seconds ends its run with a traceback.
REGRTEST="-m test -v -u cpu,subprocess --timeout 600"
MODES="significant all"

[ -f "$SHIM" ] || { echo "cpython: $SHIM is missing (make BUILD=... all)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/tm-cpython-XXXXXX)
trap 'cd /; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# run MODE MODULE OUT [ARGS...]: one regrtest run into the directory OUT:
# log, junit.xml, cases (outcomes.py cases), secs, and the run's own tdir
# (TELEMETRY_DIR) and tmp (TMPDIR and regrtest's working directory).
run() {
    _r_mode=$1 _r_mod=$2 _r_out=$3
    shift 3
    rm -rf "$_r_out"
    mkdir -p "$_r_out/tdir" "$_r_out/tmp"
    _r_start=$(date +%s)
    if [ "$_r_mode" = base ]; then
        set -- env
    else
        set -- env TELEMETRY_CAPTURE="$_r_mode" LD_PRELOAD="$SHIM"
    fi
    # shellcheck disable=SC2086 # REGRTEST is a list of words
    (cd "$_r_out/tmp" && "$@" TELEMETRY_DIR="$_r_out/tdir" TMPDIR="$_r_out/tmp" \
        $PY $REGRTEST --tempdir "$_r_out/tmp" --junit-xml "$_r_out/junit.xml" \
        ${_r_args:-} "$_r_mod") >"$_r_out/log" 2>&1 </dev/null
    echo $(( $(date +%s) - _r_start )) >"$_r_out/secs"
    $PY "$OUTCOMES" cases "$_r_out/junit.xml" "$_r_out/log" >"$_r_out/cases"
}

# verdict OUT: died, env (regrtest saw the environment changed) or fine.
verdict() {
    _v=$(sed -n '1s/^#result\t//p' "$1/cases")
    case $_v in
        died*|none|*INTERRUPTED*) echo died ;;
        *"ENV CHANGED"*) echo env ;;
        *) echo fine ;;
    esac
}

# outcome OUT ID: ID's outcome in that run ("absent" when it did not run).
outcome() {
    awk -F '\t' -v id="$2" '$1 == id { print $2; f = 1 } END { if (!f) print "absent" }' \
        "$1/cases"
}

# Reruns of the suspects of MODULE in MODE: twice without, twice with the
# shim.  Writes "id <TAB> real|flaky <TAB> base outcomes <TAB> shim outcomes"
# to $WORK/$MODULE.$MODE.judged.
judge() {
    _j_mod=$1 _j_mode=$2 _j_sus="$WORK/$1.$2.suspects"
    cut -f1 "$_j_sus" >"$_j_sus.match"
    for _j_n in 1 2; do
        _r_args="--matchfile $_j_sus.match"
        run base "$_j_mod" "$WORK/re/$_j_mod.$_j_mode.base$_j_n"
        run "$_j_mode" "$_j_mod" "$WORK/re/$_j_mod.$_j_mode.shim$_j_n"
        _r_args=
    done
    : >"$WORK/$_j_mod.$_j_mode.judged"
    while IFS='	' read -r _j_id _j_b _j_s; do
        _j_bo="" _j_so=""
        for _j_n in 1 2; do
            _j_bo="$_j_bo $(outcome "$WORK/re/$_j_mod.$_j_mode.base$_j_n" "$_j_id")"
            _j_so="$_j_so $(outcome "$WORK/re/$_j_mod.$_j_mode.shim$_j_n" "$_j_id")"
        done
        # real: no outcome seen without the shim was seen with it
        _j_v=real
        for _j_o in $_j_so; do
            case " $_j_bo " in *" $_j_o "*) _j_v=flaky ;; esac
        done
        printf '%s\t%s\t%s\t%s\n' "$_j_id" "$_j_v" "${_j_bo# }" "${_j_so# }" \
            >>"$WORK/$_j_mod.$_j_mode.judged"
    done <"$_j_sus"
}

# Module-level: a run that died or changed regrtest's environment checks,
# when the baseline did not; re-run whole, twice each way, like a case.
judge_module() {
    _m_mod=$1 _m_mode=$2 _m_b="" _m_s=""
    for _m_n in 1 2; do
        run base "$_m_mod" "$WORK/re/$_m_mod.$_m_mode.mbase$_m_n"
        run "$_m_mode" "$_m_mod" "$WORK/re/$_m_mod.$_m_mode.mshim$_m_n"
        _m_b="$_m_b $(verdict "$WORK/re/$_m_mod.$_m_mode.mbase$_m_n")"
        _m_s="$_m_s $(verdict "$WORK/re/$_m_mod.$_m_mode.mshim$_m_n")"
    done
    _m_v=real
    for _m_o in $_m_s; do
        case " $_m_b " in *" $_m_o "*) _m_v=flaky ;; esac
    done
    echo "$_m_v	${_m_b# }	${_m_s# }"
}

printf 'cpython: %s, shim %s\n' "$($PY --version 2>&1)" "$SHIM"
printf 'cpython: regrtest %s; sequential (timing tests stay deterministic)\n' "$REGRTEST"
total_start=$(date +%s)
ev_significant=0 ev_all=0
TABLE="$WORK/table" NOTES="$WORK/notes"
: >"$TABLE"
: >"$NOTES"
for mod in $MODULES; do
    if ! $PY -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('test.$mod') is None)" \
        2>/dev/null; then
        skip "$mod: not in $PY's test package (Debian: libpython3.11-testsuite; make test-deps)"
        continue
    fi
    echo "cpython: $mod ..." >&2
    run base "$mod" "$WORK/base/$mod"
    if [ "$(verdict "$WORK/base/$mod")" = died ]; then
        skip "$mod: the run without the shim died: $(tail -n 3 "$WORK/base/$mod/log" | tr '\n' ' ')"
        continue
    fi
    nrun=$(awk -F '\t' '!/^#/ && $2 != "skip"' "$WORK/base/$mod/cases" | wc -l)
    nbad=$(awk -F '\t' '$2 == "fail" || $2 == "error"' "$WORK/base/$mod/cases" | wc -l)
    awk -F '\t' -v m="$mod" '$2 == "fail" || $2 == "error" {
        print "baseline " $2 " (not ours): " $1 }' "$WORK/base/$mod/cases" >>"$NOTES"
    mod_ok=1 cols="" secs=$(cat "$WORK/base/$mod/secs")
    for mode in $MODES; do
        out="$WORK/$mode/$mod"
        run "$mode" "$mod" "$out"
        secs="$secs/$(cat "$out/secs")"
        if ev=$($PY "$OUTCOMES" events "$out/tdir" 2>>"$NOTES"); then
            case $mode in
                significant) ev_significant=$((ev_significant + ev)) ;;
                all) ev_all=$((ev_all + ev)) ;;
            esac
        else
            echo "$mod $mode: the telemetry directory has lines that are not JSON" >>"$NOTES"
            mod_ok=0
        fi
        vb=$(verdict "$WORK/base/$mod") vs=$(verdict "$out")
        mdiff=""
        if [ "$vs" != "$vb" ]; then
            judged=$(judge_module "$mod" "$mode")
            # shellcheck disable=SC2086 # verdict, 2 outcomes, 2 outcomes
            set -- $judged
            {
                echo "$mod $mode: the whole run: $vb without the shim, $vs with it;" \
                    "re-run twice each way: without [$2 $3], with [$4 $5] -> $1"
                [ "$vs" = died ] && tail -n 5 "$out/log" | sed 's/^/        /'
                grep '^Warning -- ' "$out/log" | head -n 5 | sed 's/^/        /'
            } >>"$NOTES"
            [ "$1" = real ] && { mdiff="+run"; mod_ok=0; }
        fi
        real=0 flaky=0
        if [ "$vs" != died ]; then
            $PY "$OUTCOMES" diff "$WORK/base/$mod/cases" "$out/cases" >"$WORK/$mod.$mode.suspects"
            if [ -s "$WORK/$mod.$mode.suspects" ]; then
                judge "$mod" "$mode"
                while IFS='	' read -r id v bo so; do
                    first=$(awk -F '\t' -v id="$id" '$1 == id { print $2 "->" $3 }' \
                        "$WORK/$mod.$mode.suspects")
                    if [ "$v" = real ]; then real=$((real + 1)); else flaky=$((flaky + 1)); fi
                    {
                        echo "$mode: $id: $first; re-run alone twice each way:" \
                            "without [$bo], with [$so] -> $([ "$v" = real ] && echo REAL || echo not reproduced)"
                        $PY "$OUTCOMES" why "$out/junit.xml" "$out/log" "$id"
                    } >>"$NOTES"
                done <"$WORK/$mod.$mode.judged"
            fi
        fi
        [ "$real" -gt 0 ] && mod_ok=0
        col="$real$mdiff"
        [ "$flaky" -gt 0 ] && col="$col (+$flaky flaky)"
        cols="$cols|$col"
        # regrtest's output naming the shim is worth a look (the shim never prints)
        grep -i 'libtelemetry\|telemetry:' "$out/log" | head -n 3 | \
            sed "s|^|$mod $mode: output names the shim: |" >>"$NOTES"
    done
    printf '%s|%s|%s%s|%s\n' "$mod" "$nrun" "$nbad" "$cols" "$secs" >>"$TABLE"
    if [ "$mod_ok" = 1 ]; then ok; else bad "$mod: outcomes differ with the shim (see below)"; fi
done

echo
awk -F '|' 'BEGIN { printf "%-18s %6s %9s %-14s %-14s %s\n", "module", "run", "base-fail",
        "diff-signif", "diff-all", "seconds base/signif/all" }
    { printf "%-18s %6s %9s %-14s %-14s %s\n", $1, $2, $3, $4, $5, $6 }' "$TABLE"
if [ -s "$NOTES" ]; then
    echo
    cat "$NOTES"
fi
echo
echo "cpython: events recorded: significant $ev_significant, all $ev_all (every line a JSON object);" \
    "$(( $(date +%s) - total_start )) s in all"
finish cpython
