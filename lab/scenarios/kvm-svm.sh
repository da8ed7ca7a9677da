# Real KVM on QEMU's emulated SVM (kvm-svm.md): kvmloop runs a real-mode guest whose vCPU
# thread "CPU 0/KVM" exits to user space and re-enters, forever, on CPU 1. ktest_kvminfo
# records where struct kvm, the vCPU and its VMCB are; then CPU 0 panics.
if modprobe kvm_amd; then
	kt svm.kvm_amd_loaded 1
else
	kt svm.kvm_amd_loaded 0
	echo "KTLAB: kvm_amd did not load" > /dev/console
	return
fi
if dmesg | grep -q 'Nested Paging enabled'; then kt svm.npt 1; else kt svm.npt 0; fi
insmod /modules/ktest_kvminfo.ko
kt_btf ktest_kvminfo
kvmloop -t svm.user &
pid=$!

i=0
while [ $i -lt 60 ] && ! dmesg | grep -q 'KTGT svm.user.running'; do
	sleep 1
	i=$((i + 1))
done
kt svm.wait_s "$i"
# The sample of the running vCPU is taken right before the panic.
echo "$pid" > /dev/ktest_kvminfo
taskset -c 0 sh -c 'echo "KTGT svm.panic.pid $$" > /dev/kmsg; echo c > /proc/sysrq-trigger'
