#!/bin/sh
# bench/pod.sh NAME COMMAND...: runs COMMAND (exec, same pid) in the cpu cgroup flood-NAME when
# PODS=1, as if in a pod of its own: cgroup v1's cpu controller at /sys/fs/cgroup/cpu, root, equal
# shares for every group. Without PODS=1 it just runs COMMAND.
group=/sys/fs/cgroup/cpu/flood-$1
shift
if [ "${PODS:-0}" = 1 ]; then
  mkdir -p "$group" && echo $$ >"$group/cgroup.procs"
fi
exec "$@"
