# CPU 1 gets stuck in an NMI handler (ktest_stuck nmi_printk=1) that first printed one log
# line, so it never answers the kdump NMI; a mutex waiter on CPU 0 is reported by the
# hung-task detector; then a shell pinned to CPU 0 panics the machine via sysrq.
insmod /modules/ktest_stuck.ko nmi_printk=1
kt_btf ktest_stuck

# The first read that sees CPU 1 stuck also prints the NMI's registers.
i=0
while [ "$(cat /sys/module/ktest_stuck/parameters/stuck)" != 1 ] && [ $i -lt 600 ]; do
	usleep 100000
	i=$((i + 1))
done
[ $i -lt 600 ] || echo "KTLAB: CPU 1 did not get stuck" > /dev/console

i=0
while ! dmesg | grep -q "ktest_waiter.* blocked for more than" && [ $i -lt 60 ]; do
	sleep 1
	i=$((i + 1))
done
[ $i -lt 60 ] || echo "KTLAB: no hung-task report for ktest_waiter" > /dev/console

taskset -c 0 sh -c '
	kt() { echo "KTGT $*" > /dev/kmsg; }
	kt panic.pid $$
	kt panic.comm "$(cat /proc/$$/comm)"
	kt panic.cpu "$(cut -d " " -f 39 /proc/$$/stat)"
	echo c > /proc/sysrq-trigger
'
