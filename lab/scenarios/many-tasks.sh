# Four processes with 1000 sleeping threads each (manytasks), then a shell
# pinned to CPU 0 panics the machine via sysrq.
manytasks 4 1000
sleep 2

taskset -c 0 sh -c '
	kt() { echo "KTGT $*" > /dev/kmsg; }
	kt panic.pid $$
	kt panic.comm "$(cat /proc/$$/comm)"
	kt panic.cpu "$(cut -d " " -f 39 /proc/$$/stat)"
	echo c > /proc/sysrq-trigger
'
