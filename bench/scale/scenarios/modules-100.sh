# bench/scale: 100 modules loaded, then the sysrq crash.
. /scenarios/_scale.sh
scale_modules 100
