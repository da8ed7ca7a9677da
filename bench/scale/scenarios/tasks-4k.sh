# bench/scale: 4 processes with 1000 sleeping threads each, then the sysrq crash.
. /scenarios/_scale.sh
scale_tasks 4 1000
