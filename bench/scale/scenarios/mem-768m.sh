# bench/scale: the panic scenario (a sysrq crash from a shell pinned to CPU 0) in a guest of
# 768m: what grows with the machine's memory, not with its work.
taskset -c 0 sh -c '
	kt() { echo "KTGT $*" > /dev/kmsg; }
	kt panic.pid $$
	kt panic.comm "$(cat /proc/$$/comm)"
	kt panic.cpu "$(cut -d " " -f 39 /proc/$$/stat)"
	echo c > /proc/sysrq-trigger
'
