//! One harvest at a time: a run holds an exclusive lock on
//! `harvesters/state/harvest.lock` for as long as it lives. The operating
//! system drops the lock when the process ends, however it ends, so the
//! lock of a killed run is simply taken over by the next.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path}: another harvest is running ({holder}); wait for it to finish")]
    Held { path: PathBuf, holder: String },
    #[error("{path}: cannot lock: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How long a held lock is tried again before the run refuses to start.
const GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// Held while a run lasts; released when dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// Takes the lock in `state_dir`, or says who holds it.
pub fn acquire(state_dir: &Path) -> Result<RunLock, LockError> {
    let path = state_dir.join("harvest.lock");
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(state_dir).map_err(io)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    // A lock can look held for a moment after its run ended: a process
    // forked just then (to run a child program) carries a copy of the file
    // until it execs. So a held lock is tried again for a short while.
    let started = std::time::Instant::now();
    let mut result = file.try_lock();
    while matches!(result, Err(TryLockError::WouldBlock)) && started.elapsed() < GRACE {
        std::thread::sleep(std::time::Duration::from_millis(20));
        result = file.try_lock();
    }
    match result {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = (&file).take(512).read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(LockError::Held {
                path: path.clone(),
                holder: if holder.is_empty() {
                    "a process that has not yet written its id".into()
                } else {
                    holder.to_string()
                },
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    // Who holds it, for the message another run prints.
    let stamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    write!(file, "pid {}, started {stamp}", std::process::id()).map_err(io)?;
    file.flush().map_err(io)?;
    Ok(RunLock { _file: file })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_and_a_released_one_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path()).unwrap();
        let second = acquire(dir.path()).unwrap_err();
        let message = second.to_string();
        assert!(message.contains("another harvest is running"), "{message}");
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        drop(first);
        // The file stays behind, as after a killed run: it is taken over.
        assert!(dir.path().join("harvest.lock").exists());
        acquire(dir.path()).unwrap();
    }
}
