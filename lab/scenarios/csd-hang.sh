# CPU 1 spins with interrupts off; CPU 0 waits for it in smp_call_function_single() (ktest_csd).
# CPU 0's soft-lockup watchdog panics.
kt csd.watchdog_thresh "$(cat /proc/sys/kernel/watchdog_thresh)"
kt csd.softlockup_panic "$(cat /proc/sys/kernel/softlockup_panic)"
insmod /modules/ktest_csd.ko
kt_btf ktest_csd
# The module's init memory is freed by a work item after insmod returns (an IPI to every CPU).
sleep 1
echo 1 > /sys/module/ktest_csd/parameters/go
sleep 120
echo "KTLAB: no soft-lockup panic within 120 s" > /dev/console
