# bench/scale: 1 process with 1000 sleeping threads (lab/guest/manytasks.c), then a
# shell pinned to CPU 0 panics the machine via sysrq. pid_max and threads-max are raised past
# their defaults (32768; RAM / 128 KiB), which would stop the largest runs.
echo 4194304 > /proc/sys/kernel/pid_max
echo 1000000 > /proc/sys/kernel/threads-max
manytasks 1 1000
sleep 2
taskset -c 0 sh -c '
	kt() { echo "KTGT $*" > /dev/kmsg; }
	kt panic.pid $$
	kt panic.comm "$(cat /proc/$$/comm)"
	kt panic.cpu "$(cut -d " " -f 39 /proc/$$/stat)"
	echo c > /proc/sysrq-trigger
'
