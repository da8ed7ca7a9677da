# A vCPU thread hung in VM entry as after a VMX abort, with Linux 3.10 (RHEL7) kvm_intel
# layouts (vmx-sim-3.10.md): kvmloop's thread "CPU 0/KVM" issues KVM_RUN on /dev/ktest_vmx and
# leaves CPU 1 in NMI context, deaf to the crash NMI; then CPU 0 panics.
insmod /modules/kvm_intel.ko
kt_btf kvm_intel
kvmloop -s /dev/ktest_vmx -t vmx.user &

# The NMI handler on CPU 1 reports last; its lines reach the console with CPU 0's next printk.
i=0
while [ $i -lt 60 ] && ! dmesg | grep -q 'KTGT vmx.nmi.stuck'; do
	sleep 1
	i=$((i + 1))
done
kt vmx.wait_s "$i"
taskset -c 0 sh -c 'echo "KTGT vmx.panic.pid $$" > /dev/kmsg; echo c > /proc/sysrq-trigger'
