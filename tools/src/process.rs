//! Running child processes: checked runs for build steps, measured runs (wall time, peak
//! resident memory from wait4, a time limit) for autoscheduling, and several builds at once.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Makes the child die with the thread that starts it (Linux `PR_SET_PDEATHSIG`): a collector
/// killed mid-run must not leave a benchmark or a compiler running behind it (a later run would
/// wait for it to go quiet). We always wait for our children on the thread that started them.
fn dies_with_parent(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// Runs a command; an error carries its stderr.
pub fn run_checked(cmd: &mut Command) -> Result<String, String> {
    let out = dies_with_parent(cmd)
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}):\n{}",
            describe_status(out.status),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs a command for at most `limit`: `Ok(None)` if it was killed at the limit, else as
/// [`run_checked`]. (Its output must fit a pipe's buffer: it is read after the exit.)
pub fn run_checked_within(cmd: &mut Command, limit: Duration) -> Result<Option<String>, String> {
    use std::io::Read;
    let mut child = dies_with_parent(cmd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    if !status.success() {
        return Err(format!(
            "{cmd:?} failed ({}):\n{stderr}",
            describe_status(status)
        ));
    }
    Ok(Some(stdout))
}

fn describe_status(status: std::process::ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(signal)) => format!("signal {signal}"),
        _ => "unknown status".to_string(),
    }
}

/// What a measured run cost.
#[derive(Debug, Clone)]
pub struct Measured {
    pub seconds: f64,
    pub peak_rss_bytes: u64,
    /// None if it succeeded; otherwise why not (exit code, signal, time limit) and stderr's tail.
    pub failure: Option<String>,
}

/// Runs `cmd` to completion or until `limit`, measuring wall time and peak RSS.
pub fn run_measured(cmd: &mut Command, limit: Duration) -> Measured {
    let start = Instant::now();
    // Unique per call: runs may be measured from several threads at once.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let stderr_path =
        std::env::temp_dir().join(format!("halide-gcn-stderr-{}-{call}", std::process::id()));
    let stderr_file = std::fs::File::create(&stderr_path).ok();
    cmd.stdout(Stdio::null());
    if let Some(f) = stderr_file {
        cmd.stderr(f);
    }
    let child = match dies_with_parent(cmd).spawn() {
        Ok(c) => c,
        Err(e) => {
            return Measured {
                seconds: 0.0,
                peak_rss_bytes: 0,
                failure: Some(format!("cannot start: {e}")),
            }
        }
    };
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        // SAFETY: wait4 on our own child with valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        if start.elapsed() > limit {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            timed_out = true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let seconds = start.elapsed().as_secs_f64();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let _ = std::fs::remove_file(&stderr_path);
    let tail: String = stderr
        .lines()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(" | ");
    let failure = if timed_out {
        Some(format!("over the {} s limit", limit.as_secs()))
    } else if libc::WIFSIGNALED(status) {
        Some(format!(
            "killed by signal {}: {tail}",
            libc::WTERMSIG(status)
        ))
    } else if libc::WEXITSTATUS(status) != 0 {
        Some(format!("exit {}: {tail}", libc::WEXITSTATUS(status)))
    } else {
        None
    };
    Measured {
        seconds,
        peak_rss_bytes: usage.ru_maxrss as u64 * 1024,
        failure,
    }
}

/// `f(position, item)` of every item, `jobs` threads at a time (each item's child processes
/// are waited for on the thread that started them); the results in the items' order.
pub fn map_in_parallel<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let queue = Mutex::new((0..items.len()).rev().collect::<Vec<_>>());
    let done = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let Some(k) = queue.lock().expect("queue").pop() else {
                    break;
                };
                let result = f(k, &items[k]);
                done.lock().expect("results").push((k, result));
            });
        }
    });
    let mut done = done.into_inner().expect("results");
    done.sort_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_results_come_back_in_the_items_order() {
        let items: Vec<u64> = (0..50).collect();
        for jobs in [0, 1, 3, 64] {
            let squares = map_in_parallel(&items, jobs, |k, &x| {
                assert_eq!(k as u64, x);
                // Uneven work, so that threads finish out of order.
                std::thread::sleep(Duration::from_micros((x * 7919) % 500));
                x * x
            });
            assert_eq!(squares, items.iter().map(|x| x * x).collect::<Vec<_>>());
        }
    }
}
