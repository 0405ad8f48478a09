#!/bin/sh
# bench/pod.sh NAME COMMAND...: runs COMMAND (exec, same pid) as if in a pod of its own.
#  PODS=1:      in the cpu cgroup flood-NAME (cgroup v1's cpu controller at /sys/fs/cgroup/cpu,
#               root), equal shares for every group: each pod gets what the other leaves, so the
#               service's CPU shrinks as the load generator works harder.
#  PODS=pinned: on a CPU of its own (taskset; the service on CPU 0, anything else on CPU 1), as pods
#               with a whole-CPU allotment under Kubernetes' static CPU manager: the service has the
#               same CPU whatever the load generator does, so saturation and flood are comparable.
# Without PODS it just runs COMMAND.
name=$1
shift
case "${PODS:-0}" in
  1)
    group=/sys/fs/cgroup/cpu/flood-$name
    mkdir -p "$group" && echo $$ >"$group/cgroup.procs"
    ;;
  pinned)
    if [ "$name" = service ]; then exec taskset -c 0 "$@"; else exec taskset -c 1 "$@"; fi
    ;;
esac
exec "$@"
