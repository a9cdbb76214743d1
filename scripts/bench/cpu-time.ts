import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** A reading of CPU time used so far, in milliseconds (user + system, all threads), or null if unknown. */
export type CpuClock = () => number | null;

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Parses utime + stime out of a /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function cpuMsFromProcStat(stat: string, ticks: number): number | null {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) " the fields start at number 3 (state); utime and stime are numbers 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / ticks : null;
}

/** CPU time of another process, from /proc (Linux); null elsewhere or once it is gone. */
export function processCpuClock(pid: number): CpuClock {
  const ticks = clockTicks();
  return () => {
    try {
      return cpuMsFromProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"), ticks);
    } catch {
      return null;
    }
  };
}

/** CPU time of this process (the load generator). */
export const ownCpuClock: CpuClock = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
