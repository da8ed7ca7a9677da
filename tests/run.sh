#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds ktriage three times (the default -O2 tree and
# an ASan+UBSan tree, which the tests run, and an -O3 release tree, which must compile and which
# the damaged-dump driver runs beside the tested build), makes the
# lab's real vmcores (cached) on three kernels, then runs every test driver on each kernel's
# dumps with the -O2 build; on Debian's 6.1 the sanitizer build runs them too, but for the
# comparisons with crash and drgn (oracle_drivers below).
# Each label line starts with the kernel it ran on (fuzz/regress, which reads no dump, runs once). The last line is "N passed, N failed".
#
#   tests/run.sh            everything
#   tests/run.sh --no-lab   reuse whatever dumps the cache has (missing ones fail)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
lab=1
[[ ${1:-} == --no-lab ]] && lab=

if [[ $(id -u) == 0 ]]; then
	scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
fi

build() { # DIR [MESON-OPTIONS...]
	local dir=$1; shift
	[[ -f $dir/build.ninja ]] || meson setup "$dir" "$@" >/dev/null || return 1
	ninja -C "$dir" >/dev/null
}
if ! build build || ! build build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi
# -O3 sees paths -O2 does not (maybe-uninitialized, format-truncation): it must build too.
release_failed=0
if ! build build-release --buildtype=release; then
	echo "not ok - the release build (-O3 -Werror) fails: ninja -C build-release"
	release_failed=1
fi

# The kernels the lab runs: FAMILY RELEASE TREES. FAMILY names the dumps trees (RELEASE-HASH,
# RELEASE matching FAMILY.*); RELEASE is lab/run.sh's KTRIAGE_KERNEL (empty: Debian's current 6.1,
# resolved from linux-image-amd64); TREES are the builds whose drivers run on its dumps.
kernels=(
	"6.1 - build,build-asan"
	"5.10 5.10.0-46-amd64 build"
	"6.12 6.12.95+deb12-amd64 build"
)
export KTRIAGE_CACHE=${KTRIAGE_CACHE:-$HOME/.cache/ktriage}
# The release binary is run too, by tests/hostile/corrupt_test.py: libkdumpfile's faults on
# damaged files show in one build and not in the other.
export KTRIAGE_RELEASE=$top/build-release/ktriage

# The lab prints one output directory per scenario; all share the same parent.
declare -A lab_dir
labhash=$(lab/hash.sh)
for k in "${kernels[@]}"; do
	read -r family release _ <<<"$k"
	[[ $release == - ]] && release=
	if [[ $lab ]]; then
		t0=$SECONDS
		# A TCG boot can fail on timing alone (the IO-APIC timer check): the scenarios that did
		# not finish get one more try; the finished ones are cached.
		KTRIAGE_KERNEL=$release lab/run.sh all > "build/lab-dirs-$family.txt" 2> "build/lab-$family.log" ||
			KTRIAGE_KERNEL=$release lab/run.sh all > "build/lab-dirs-$family.txt" 2>> "build/lab-$family.log" ||
			echo "lab $family: some scenarios failed twice (build/lab-$family.log)"
		echo "lab $family: $((SECONDS - t0)) s"
	fi
	dir=$(head -1 "build/lab-dirs-$family.txt" 2>/dev/null | xargs -r dirname)
	if [[ -z $lab || -z $dir ]]; then
		# The dumps of this lab version (lab/hash.sh), whichever run made them.
		dir=$(ls -d "$KTRIAGE_CACHE"/dumps/"$family".*-"$labhash"/ 2>/dev/null | head -1)
	fi
	lab_dir[$family]=${dir%/}
	echo "lab dumps $family: ${dir:-none}"
done

# ASan: leaks are bugs too; UBSan: stop at the first report.
# Full malloc stacks, so that the leak suppression can match the library call that allocated.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0

passed=$((1 - release_failed)) failed=$release_failed
# Every driver is a job: LABEL, the lab dir, the ktriage binary and the command, run $jobs at a time
# (the drivers are single-threaded; the machine's cores otherwise idle), each into its own file;
# the results are then read back in the order the jobs were listed.
jobs=${KTRIAGE_TEST_JOBS:-$(nproc)}
out_dir=build/test-out
rm -rf "$out_dir"; mkdir -p "$out_dir"
job_list=()
add_job() { # LABEL LAB KTRIAGE COMMAND...
	job_list+=("$(printf '%q ' "$@")")
}
run_job() { # N LABEL LAB KTRIAGE COMMAND...
	local n=$1 label=$2 lab=$3 bin=$4 t0=$SECONDS; shift 4
	KTRIAGE_LAB=$lab KTRIAGE=$bin "$@" > "$out_dir/$n.out" 2>&1
	echo "$? $((SECONDS - t0))" > "$out_dir/$n.rc"
}
export -f run_job
export out_dir

collect_driver() { # N LABEL
	local n=$1 label=$2 out rc secs p f
	out=$(cat "$out_dir/$n.out" 2>/dev/null)
	read -r rc secs < "$out_dir/$n.rc" 2>/dev/null || { rc=255; secs=?; }
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	# A driver that crashed or printed no plan counts as one more failure.
	if ((rc != 0 && f == 0)) || ! grep -q '^1\.\.[0-9]' <<<"$out"; then
		f=$((f + 1))
		echo "not ok - $label exited $rc without a complete TAP plan"
	fi
	grep -E '^(not ok|#)' <<<"$out" | sed "s|^|$label: |"
	echo "$label: $p passed, $f failed ($secs s)"
	passed=$((passed + p)); failed=$((failed + f))
}

# Drivers that check no kernel's data (the library's exports and linkage, text helpers) run on
# the first kernel only.
kernel_independent=" text_test pgtable_test api/exports_test.py api/link_cycles_test.py hostile/valgrind_test.py "
# Drivers that compare with crash and drgn (the oracles) check that the answers are right: they run
# on the -O2 tree of every kernel. The sanitizer tree runs the C drivers and the drivers that check
# ktriage on its own (render_test drives every command in text and JSON, the hostile drivers damage
# the dumps): memory errors show there, and the oracles' own minutes are not spent twice.
oracle_drivers=" cli/btflags_test.py cli/crashvocab_test.py cli/drgn_oracle_test.py cli/expr_test.py
	cli/files_test.py cli/kmem_test.py cli/kmem_slab_test.py cli/list_test.py cli/log_test.py cli/mod_test.py
	cli/mount_test.py cli/net_test.py cli/percpu_test.py cli/ps_test.py cli/rd_test.py cli/runq_test.py
	cli/sig_test.py cli/task_test.py cli/timer_test.py cli/dev_test.py cli/swap_test.py cli/vocab_test.py cli/waitq_test.py
	cli/eval_test.py cli/user_memory_test.py python/python_test.py
	types/module_types_test.py types/struct_test.py unwind/bt_test.py unwind/frame_args_test.py
	cli/vm_test.py cli/irq_test.py cli/struct_deref_test.py cli/vtop_test.py "
oracle_drivers=" $(echo $oracle_drivers) "  # one space between names, as the matches below expect
labels=()
first=1
for k in "${kernels[@]}"; do
	read -r family _ trees <<<"$k"
	# A kernel without dumps still runs its drivers: each missing dump is a failure.
	klab=${lab_dir[$family]:-$KTRIAGE_CACHE/dumps/$family-none}
	for b in ${trees//,/ }; do
		for t in "$b"/tests/*_test; do
			[[ -z $first && $kernel_independent == *" $(basename "$t") "* ]] && continue
			[[ -x $t ]] || continue
			labels+=("$family:$b/$(basename "$t")")
			add_job "${labels[-1]}" "$klab" "$top/$b/ktriage" "$top/$t"
		done
		for t in tests/*/*_test.py; do
			[[ -z $first && $kernel_independent == *" ${t#tests/} "* ]] && continue
			[[ $b == *asan* && $oracle_drivers == *" ${t#tests/} "* ]] && continue
			labels+=("$family:$b:${t#tests/}")
			add_job "${labels[-1]}" "$klab" "$top/$b/ktriage" python3 "$top/$t"
		done
	done
	first=
done
# The fuzz harnesses, once, whatever the kernel: built with clang, every saved crasher replayed,
# each harness fuzzed a few seconds (fuzz/regress).
labels+=("fuzz/regress")
add_job "${labels[-1]}" "${lab_dir[6.1]:-}" "$top/build/ktriage" env FUZZ_SECONDS=10 "$top/fuzz/regress"
# The longest jobs start first, so that the last minutes are not one long driver alone (the
# results are still read back in the order listed).
slow=" fuzz/regress unwind/bt_test.py cli/render_test.py types/struct_test.py cli/vocab_test.py cli/expr_test.py batch/batch_test.py callsite/callsite_test.py cli/crashvocab_test.py hostile/valgrind_test.py "
order=()
for i in "${!labels[@]}"; do
	l=${labels[$i]##*:}
	[[ $slow == *" $l "* ]] && order+=("$i")
done
for i in "${!labels[@]}"; do
	l=${labels[$i]##*:}
	[[ $slow == *" $l "* ]] || order+=("$i")
done
t0=$SECONDS
for i in "${order[@]}"; do printf '%s %s\n' "$i" "${job_list[$i]}"; done |
	xargs -d '\n' -n 1 -P "$jobs" bash -c 'eval "run_job $1"' _
echo "drivers: ${#job_list[@]} in $((SECONDS - t0)) s, $jobs at a time"
for i in "${!labels[@]}"; do collect_driver "$i" "${labels[$i]}"; done
echo "$passed passed, $failed failed"
((failed == 0))
