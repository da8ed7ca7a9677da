# The oops scenario once more, in its own boot: the same bug twice, for what must not change
# between two dumps of one bug (signatures).
. /scenarios/oops.sh
