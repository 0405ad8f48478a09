#!/usr/bin/python3
"""CPU seconds by thread group of a process (and of other processes, whole), over a window.

Why: under a flood the question is where the two cores go -- inference, request threads
answering refusals, Tomcat's poller, GC, JIT, or the load generator beside the service.
  bench/cpu-split.py SECONDS PID [OTHER_PID ...]
"waited runnable" is the time the group's threads were ready to run but had no CPU
(/proc/PID/task/TID/schedstat), in cores' worth. Groups are by thread name (/proc/PID/task/*/comm); native threads that ONNX Runtime starts
inherit the name of the thread that created them.
"""
import os, re, sys, time

GROUPS = [
    ("request threads", re.compile(r"^(http-api-exec|http-nio-\d+-exec|tomcat-handler)")),
    ("tomcat poller/acceptor", re.compile(r"^http-nio-\d+-(Poller|Acceptor)")),
    ("management port", re.compile(r"^(http-mgmt|management)")),
    ("batch workers (run ORT; its own threads are named after the loader)", re.compile(r"^batcher-")),
    ("gc", re.compile(r"^(GC Thread|G1 |VM Periodic|G1 Service)")),
    ("jit", re.compile(r"^C[12] Compiler")),
]
HZ = os.sysconf("SC_CLK_TCK")


def ticks(path):
    s = open(path).read()
    after = s[s.rindex(")") + 2:].split()
    return int(after[11]) + int(after[12])


def threads(pid):
    """tid -> (name, CPU ticks, ns spent runnable but waiting for a CPU, from schedstat)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            waited = int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[1])
            out[tid] = (name, ticks(f"/proc/{pid}/task/{tid}/stat"), waited)
        except OSError:
            pass
    return out


def group(name):
    for g, rx in GROUPS:
        if rx.search(name):
            return g
    return "other: " + re.sub(r"[#\-]?\d+$", "", name)


def total():
    f = open("/proc/stat").readline().split()[1:]
    v = list(map(int, f))
    return sum(v), v[3] + v[4]


secs = float(sys.argv[1]); pid = sys.argv[2]; others = sys.argv[3:]
before = threads(pid); ob = {p: ticks(f"/proc/{p}/stat") for p in others}; tb = total()
time.sleep(secs)
after = threads(pid); oa = {p: ticks(f"/proc/{p}/stat") for p in others}; ta = total()
sums, waits = {}, {}
for tid, (name, t, w) in after.items():
    _, t0, w0 = before.get(tid, (name, 0, 0))
    sums[group(name)] = sums.get(group(name), 0) + t - t0
    waits[group(name)] = waits.get(group(name), 0) + w - w0
busy_all = (ta[0] - tb[0]) - (ta[1] - tb[1])
print(f"window {secs:.0f} s; machine idle {100 * (ta[1] - tb[1]) / (ta[0] - tb[0]):.0f}%")
for g, d in sorted(sums.items(), key=lambda x: -x[1]):
    if d:
        print(f"  {g:40s} {d / HZ / secs:5.2f} cores, waited runnable {waits[g] / 1e9 / secs:5.2f}")
for p in others:
    comm = open(f"/proc/{p}/comm").read().strip()
    print(f"  [{comm} {p}] {'':30s} {(oa[p] - ob[p]) / HZ / secs:5.2f} cores")
