# A plain panic: a shell pinned to CPU 0 writes "c" to /proc/sysrq-trigger; CPU 1 stays idle.
# The child prints its own pid before it execs the writing shell builtin, so the pid is the
# panicking task's.
taskset -c 0 sh -c 'echo "KTGT panic.pid $$" > /dev/kmsg; echo "KTGT panic.cpu 0" > /dev/kmsg;
	echo "KTGT panic.comm sh" > /dev/kmsg; echo c > /proc/sysrq-trigger'
