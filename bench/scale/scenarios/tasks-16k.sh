# bench/scale: 8 processes with 2000 sleeping threads each, then the sysrq crash.
. /scenarios/_scale.sh
scale_tasks 8 2000
