# bench/scale: the panic scenario (a sysrq crash from a shell pinned to CPU 0) in a guest of
# 8 GiB: what grows with the machine's memory, not with its work.
. /scenarios/_scale.sh
scale_panic
