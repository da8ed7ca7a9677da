# Soft lockup on both CPUs around one spinlock (ktest_lockup): CPU 1 holds it
# and spins, CPU 0 spins in spin_lock(). The soft-lockup watchdog panics.
kt lockup.watchdog_thresh "$(cat /proc/sys/kernel/watchdog_thresh)"
kt lockup.softlockup_panic "$(cat /proc/sys/kernel/softlockup_panic)"
# insmod need not return: once the waiter spins, nothing else runs on CPU 0.
insmod /modules/ktest_lockup.ko &
sleep 120
echo "KTLAB: no soft-lockup panic within 120 s" > /dev/console
