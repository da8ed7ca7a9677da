# Like qemu-dump, but QEMU has -device vmcoreinfo and the guest loads qemu_fw_cfg, which hands
# the kernel's VMCOREINFO note to QEMU; dump-guest-memory then includes it.
modprobe qemu_fw_cfg
taskset -c 1 sh -c 'while :; do :; done' &
kt qemu.spinner_pid "$!"
kt qemu.spinner_cpu 1
kt qemu.vmcoreinfo_device 1
sleep 1
kt qemu.ready 1
while :; do sleep 3600; done
