# bench/scale: 400 modules loaded, then the sysrq crash.
. /scenarios/_scale.sh
scale_modules 400
