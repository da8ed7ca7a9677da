# bench/scale: 1 process with 1000 sleeping threads, then the sysrq crash.
. /scenarios/_scale.sh
scale_tasks 1 1000
