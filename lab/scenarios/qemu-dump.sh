# A live guest that hangs: CPU 1 spins in user space, CPU 0 sleeps. The host dumps it from outside
# with QEMU's dump-guest-memory; without -device vmcoreinfo the dump has no VMCOREINFO.
taskset -c 1 sh -c 'while :; do :; done' &

kt qemu.spinner_pid "$!"
kt qemu.spinner_cpu 1
kt qemu.vmcoreinfo_device 0
sleep 1
kt qemu.ready 1
while :; do sleep 3600; done
