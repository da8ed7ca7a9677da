# Tasks in D state on a mutex deadlock, an rwsem held by sleeping readers and a completion
# nobody completes (ktest_hunglocks); the hung-task detector reports them and panics.
kt hung.timeout_secs "$(cat /proc/sys/kernel/hung_task_timeout_secs)"
kt hung.panic "$(cat /proc/sys/kernel/hung_task_panic)"
insmod /modules/ktest_hunglocks.ko
kt_btf ktest_hunglocks
sleep 120
echo "KTLAB: no hung-task panic within 120 s" > /dev/console
