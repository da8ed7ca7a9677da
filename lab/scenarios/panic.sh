# Plain sysrq crash: a shell pinned to CPU 0 writes 'c' to /proc/sysrq-trigger
# ("sysrq triggered crash"); CPU 1 is idle. The shell reports itself (pid, comm,
# CPU from /proc/PID/stat) before it writes.
taskset -c 0 sh -c '
	kt() { echo "KTGT $*" > /dev/kmsg; }
	kt panic.pid $$
	kt panic.comm "$(cat /proc/$$/comm)"
	kt panic.cpu "$(cut -d " " -f 39 /proc/$$/stat)"
	echo c > /proc/sysrq-trigger
'
