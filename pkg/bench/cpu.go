package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of /proc CPU times (100 on Linux).
const clockTicks = 100

// cpuTimes is a snapshot of the machine's and a process's CPU time.
type cpuTimes struct {
	busy, total uint64 // machine, all CPUs, in ticks
	proc        uint64 // utime+stime of the process, in ticks (0 when pid is 0)
}

// readCPU reads /proc/stat and, when pid is not 0, /proc/<pid>/stat.
func readCPU(pid int) (cpuTimes, error) {
	var c cpuTimes
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return c, err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "cpu" {
		return c, fmt.Errorf("unexpected /proc/stat first line %q", line)
	}
	for i, s := range f[1:] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return c, fmt.Errorf("/proc/stat field %d: %w", i+1, err)
		}
		c.total += v
		if i != 3 && i != 4 { // idle, iowait
			c.busy += v
		}
	}
	if pid != 0 {
		t, err := procTicks(pid)
		if err != nil {
			return c, err
		}
		c.proc = t
	}
	return c, nil
}

// procTicks is utime+stime of pid, from /proc/<pid>/stat.
func procTicks(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	// Fields after the command: state(3) ... utime(14) stime(15).
	rest := strings.Fields(string(b[i+1:]))
	if len(rest) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseUint(rest[11], 10, 64)
	st, err2 := strconv.ParseUint(rest[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad CPU times in /proc/%d/stat", pid)
	}
	return ut + st, nil
}

// pidsNamed lists the processes whose command name (/proc/<pid>/comm,
// truncated by the kernel to 15 bytes) is comm.
func pidsNamed(comm string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err == nil && strings.TrimSpace(string(b)) == comm {
			out = append(out, pid)
		}
	}
	return out
}

// ticksOf sums utime+stime over pids (processes gone meanwhile count 0).
func ticksOf(pids []int) uint64 {
	var n uint64
	for _, pid := range pids {
		if t, err := procTicks(pid); err == nil {
			n += t
		}
	}
	return n
}

// busyShare is the fraction of all CPUs busy between before and c.
func (c cpuTimes) busyShare(before cpuTimes) float64 {
	dt := c.total - before.total
	if dt == 0 {
		return 0
	}
	return float64(c.busy-before.busy) / float64(dt)
}
