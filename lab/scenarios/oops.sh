# A NULL-based pointer read in kthread ktest_oopser on CPU 1 (ktest_oops): a page-fault oops,
# which panics the kernel (oops=panic).
kt oops.panic_on_oops "$(cat /proc/sys/kernel/panic_on_oops)"
insmod /modules/ktest_oops.ko
kt_btf ktest_oops
sleep 60
echo "KTLAB: no oops panic within 60 s" > /dev/console
