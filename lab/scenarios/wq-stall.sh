# A work item on CPU 1's per-CPU pool never returns (ktest_wq); three more wait behind it on the
# pool's worklist. After the workqueue watchdog's default threshold (30 s) has passed, a shell
# pinned to CPU 0 panics the machine via sysrq.
insmod /modules/ktest_wq.ko
kt_btf ktest_wq
kt wq.watchdog_thresh "$(cat /sys/module/workqueue/parameters/watchdog_thresh 2>/dev/null || echo none)"
sleep 40
taskset -c 0 sh -c '
	kt() { echo "KTGT $*" > /dev/kmsg; }
	kt panic.pid $$
	kt panic.comm "$(cat /proc/$$/comm)"
	kt panic.cpu "$(cut -d " " -f 39 /proc/$$/stat)"
	echo c > /proc/sysrq-trigger
'
