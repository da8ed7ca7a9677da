# bench/scale: 16 processes with 4000 sleeping threads each, then the sysrq crash.
. /scenarios/_scale.sh
scale_tasks 16 4000
