# Shared by the bench/scale scenarios (sourced in the guest from /scenarios, as the scenarios are).

# The panic scenario's crash: a shell pinned to CPU 0 reports itself, then writes 'c' to
# /proc/sysrq-trigger.
scale_panic() {
	taskset -c 0 sh -c '
		kt() { echo "KTGT $*" > /dev/kmsg; }
		kt panic.pid $$
		kt panic.comm "$(cat /proc/$$/comm)"
		kt panic.cpu "$(cut -d " " -f 39 /proc/$$/stat)"
		echo c > /proc/sysrq-trigger
	'
}

# PROCESSES processes of THREADS sleeping threads each (lab/guest/manytasks.c), then the crash.
# pid_max and threads-max are raised past their defaults (32768; RAM / 128 KiB), which would
# stop the largest runs.
scale_tasks() { # PROCESSES THREADS
	echo 4194304 > /proc/sys/kernel/pid_max
	echo 1000000 > /proc/sys/kernel/threads-max
	manytasks "$1" "$2"
	sleep 2
	scale_panic
}

# Up to N of the kernel's own modules (file systems, then networking; their dependencies come
# with them) loaded by modprobe, then the crash.
scale_modules() { # N
	for ko in $(find "/lib/modules/$(uname -r)/kernel/fs" "/lib/modules/$(uname -r)/kernel/net" -name '*.ko*' | sort); do
		[ "$(wc -l < /proc/modules)" -ge "$1" ] && break
		m=${ko##*/}; modprobe "${m%%.ko*}" 2>/dev/null
	done
	echo "KTGT modules.loaded $(wc -l < /proc/modules)" > /dev/kmsg
	scale_panic
}
