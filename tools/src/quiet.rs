//! Benchmarking on a shared machine: how much CPU the rest of the machine used while a
//! measurement ran, and waiting for the machine to go quiet before one starts.
//!
//! The machine's busy time comes from `/proc/stat` (user, nice, system, irq, softirq and
//! steal — steal is another virtual machine on the same host); our own share is this process's
//! CPU time plus that of its waited-for children (`getrusage`). Whatever is left was someone
//! else: a build, an editor, a neighbour. A measurement taken while others used more than a
//! small fraction of a core is not trusted. The whole machine's counters are used: on a host
//! shared through CPU affinity or cgroups, other tenants count as others (as they should: they
//! share caches and memory bandwidth).

use std::time::{Duration, Instant};

/// Cores' worth of CPU others may use during a measurement, or while we wait for quiet.
pub const QUIET_CORES: f64 = 0.05;

/// A point in time's CPU accounting.
#[derive(Debug, Clone, Copy)]
struct Reading {
    at: Instant,
    machine_busy_s: f64,
    ours_s: f64,
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

/// Busy seconds of all cores together since boot.
fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user already)
    let busy = [0usize, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| fields.get(i))
        .sum::<f64>();
    Some(busy / clock_ticks_per_second())
}

fn rusage_seconds(who: libc::c_int) -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(who, &mut usage) } != 0 {
        return 0.0;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

impl Reading {
    fn now() -> Option<Reading> {
        Some(Reading {
            at: Instant::now(),
            machine_busy_s: machine_busy_seconds()?,
            ours_s: rusage_seconds(libc::RUSAGE_SELF) + rusage_seconds(libc::RUSAGE_CHILDREN),
        })
    }

    /// Cores' worth of CPU used by others between `self` and `later`.
    fn others_cores(&self, later: &Reading) -> f64 {
        let wall = later.at.duration_since(self.at).as_secs_f64().max(1e-3);
        let others = (later.machine_busy_s - self.machine_busy_s) - (later.ours_s - self.ours_s);
        // /proc/stat counts whole clock ticks per CPU: allow one tick of rounding.
        ((others - 1.0 / clock_ticks_per_second()) / wall).max(0.0)
    }
}

/// Watches a measurement for CPU used by others.
pub struct Watch {
    start: Option<Reading>,
}

impl Watch {
    pub fn start() -> Watch {
        Watch {
            start: Reading::now(),
        }
    }

    /// Cores' worth of CPU others used since the start (0 where /proc/stat is unreadable).
    pub fn others_cores(&self) -> f64 {
        match (self.start, Reading::now()) {
            (Some(start), Some(now)) => start.others_cores(&now),
            _ => 0.0,
        }
    }
}

/// Waits until others use at most [`QUIET_CORES`] over one second; calls `waiting` with
/// their load each time it has to wait longer. Gives up waiting after `patience` and returns
/// false (so a machine that never goes quiet slows collection, not stops it); true when quiet.
pub fn wait_until_quiet(patience: Duration, mut waiting: impl FnMut(f64)) -> bool {
    let started = Instant::now();
    loop {
        let watch = Watch::start();
        std::thread::sleep(Duration::from_secs(1));
        let load = watch.others_cores();
        if load <= QUIET_CORES {
            return true;
        }
        if started.elapsed() >= patience {
            return false;
        }
        waiting(load);
        std::thread::sleep(Duration::from_secs(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test, so that its two halves never run at the same time. Both halves compare with
    // the load others put on the machine just before (tests run beside other tests).
    #[test]
    fn our_own_work_is_not_counted_and_a_foreign_process_is() {
        let baseline = |ms| {
            let watch = Watch::start();
            std::thread::sleep(Duration::from_millis(ms));
            watch.others_cores()
        };
        let before = baseline(400);
        let watch = Watch::start();
        let until = Instant::now() + Duration::from_millis(400);
        let mut x = 0u64;
        while Instant::now() < until {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let ours = watch.others_cores();
        assert!(
            ours < before + 0.5,
            "our own spinning thread counted as others: {ours} cores (before: {before})"
        );

        // A child not yet waited for is not in RUSAGE_CHILDREN: it counts as others, at least
        // with the CPU time the kernel gave it (on a busy machine that may be little).
        let mut child = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .expect("sh");
        let watch = Watch::start();
        let started = Instant::now();
        std::thread::sleep(Duration::from_millis(800));
        let load = watch.others_cores();
        let wall = started.elapsed().as_secs_f64();
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).expect("stat");
        child.kill().expect("kill");
        child.wait().expect("wait");
        // utime and stime: fields 14 and 15, after the parenthesized command name.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .expect("stat format")
            .1
            .split_whitespace()
            .collect();
        let ticks = |i: usize| fields[i].parse::<f64>().expect("a tick count");
        let child_seconds = (ticks(11) + ticks(12)) / clock_ticks_per_second();
        assert!(
            child_seconds > 0.05,
            "the child hardly ran: {child_seconds} s"
        );
        assert!(
            load * wall >= 0.8 * child_seconds - 2.0 / clock_ticks_per_second(),
            "a spinning process that used {child_seconds} s counted as {} s of others",
            load * wall
        );
    }
}
