# bench/scale: up to 100 of the kernel's own modules (file systems, then networking; their
# dependencies come with them), loaded by modprobe, then the panic scenario's sysrq crash.
kt() { echo "KTGT $*" > /dev/kmsg; }
for ko in $(find /lib/modules/$(uname -r)/kernel/fs /lib/modules/$(uname -r)/kernel/net -name '*.ko*' | sort); do
	[ "$(wc -l < /proc/modules)" -ge 100 ] && break
	m=${ko##*/}; modprobe "${m%%.ko*}" 2>/dev/null
done
kt modules.loaded "$(wc -l < /proc/modules)"
taskset -c 0 sh -c '
	kt() { echo "KTGT $*" > /dev/kmsg; }
	kt panic.pid $$
	kt panic.comm "$(cat /proc/$$/comm)"
	kt panic.cpu "$(cut -d " " -f 39 /proc/$$/stat)"
	echo c > /proc/sysrq-trigger
'
