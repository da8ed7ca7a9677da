# A catalogue of call forms (callforms.md): ktest_callforms starts one kthread per form, each
# asleep in the callee of its call; once all sleep, a shell pinned to CPU 0 panics via sysrq.
insmod /modules/ktest_callforms.ko
kt_btf ktest_callforms

# The first read that finds every thread asleep prints what they recorded.
i=0
while [ "$(cat /sys/module/ktest_callforms/parameters/ready)" != 1 ] && [ $i -lt 600 ]; do
	usleep 100000
	i=$((i + 1))
done
[ $i -lt 600 ] || echo "KTLAB: the callforms threads did not all fall asleep" > /dev/console

taskset -c 0 sh -c '
	kt() { echo "KTGT $*" > /dev/kmsg; }
	kt panic.pid $$
	kt panic.comm "$(cat /proc/$$/comm)"
	kt panic.cpu "$(cut -d " " -f 39 /proc/$$/stat)"
	echo c > /proc/sysrq-trigger
'
