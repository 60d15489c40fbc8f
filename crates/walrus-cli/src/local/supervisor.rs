//! Child processes of `walrus local`: spawn with logs in files, wait for readiness, stop cleanly,
//! restart after a crash on request.
//!
//! Each running child's process ID is written to `DIR/run/<name>.pid` (removed once the child is
//! seen to have exited or was stopped), so tests and operators can signal a single component.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use anyhow::{Context, bail};
use tokio::{
    net::TcpStream,
    process::{Child, Command},
    time::Instant,
};

/// A component running as a child process of `walrus local`.
#[derive(Debug)]
pub struct Component {
    /// A short name for messages (`devnet`, `node-3`, ...).
    pub name: String,
    /// The log file receiving the child's stdout and stderr.
    pub log: PathBuf,
    /// The file holding the running child's process ID.
    pub pid_file: PathBuf,
    exe: PathBuf,
    args: Vec<String>,
    child: Child,
    /// Whether the child's exit has been seen (and reported) already.
    exited: bool,
}

impl Component {
    /// Starts `exe args...` with stdout and stderr appended to `log` and its process ID in
    /// `pid_file`.
    pub fn spawn(
        name: &str,
        exe: &Path,
        args: &[String],
        log: &Path,
        pid_file: &Path,
    ) -> anyhow::Result<Self> {
        let child = spawn_child(name, exe, args, log, pid_file)?;
        Ok(Self {
            name: name.to_owned(),
            log: log.to_path_buf(),
            pid_file: pid_file.to_path_buf(),
            exe: exe.to_path_buf(),
            args: args.to_vec(),
            child,
            exited: false,
        })
    }

    /// Fails if the child has exited, pointing at its log.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            if !self.exited {
                self.exited = true;
                let _ = std::fs::remove_file(&self.pid_file);
            }
            bail!(
                "{} exited ({status}); see {}",
                self.name,
                self.log.display()
            );
        }
        Ok(())
    }

    /// Like [`Self::check_running`], but reports an exit only the first time it is seen.
    pub fn check_newly_exited(&mut self) -> anyhow::Result<()> {
        let seen = self.exited;
        match self.check_running() {
            Err(error) if !seen => Err(error),
            _ => Ok(()),
        }
    }

    /// Whether the child has exited (reaping it if so).
    pub fn has_exited(&mut self) -> bool {
        self.check_running().is_err()
    }

    /// Starts the child again with the same arguments, if it has exited; returns whether it did.
    pub fn restart_if_exited(&mut self) -> anyhow::Result<bool> {
        if !self.has_exited() {
            return Ok(false);
        }
        self.child = spawn_child(&self.name, &self.exe, &self.args, &self.log, &self.pid_file)?;
        self.exited = false;
        Ok(true)
    }

    /// Waits until `addr` accepts TCP connections, failing early if the child exits.
    pub async fn wait_for_port(&mut self, addr: &str, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            self.check_running()?;
            if TcpStream::connect(addr).await.is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "{} did not listen on {addr} within {timeout:?}; see {}",
                    self.name,
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `path` exists, failing early if the child exits.
    pub async fn wait_for_file(&mut self, path: &Path, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            self.check_running()?;
            if path.exists() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "{} did not write {} within {timeout:?}; see {}",
                    self.name,
                    path.display(),
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asks the child to stop (SIGTERM), waits up to `grace`, then kills it.
    pub async fn stop(mut self, grace: Duration) {
        self.stop_child(grace).await;
        let _ = std::fs::remove_file(&self.pid_file);
    }

    async fn stop_child(&mut self, grace: Duration) {
        if let Some(pid) = self.child.id() {
            // SIGTERM through kill(1): the workspace forbids unsafe code, and a graceful stop lets
            // the stores flush.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await;
            if tokio::time::timeout(grace, self.child.wait()).await.is_ok() {
                return;
            }
        }
        let _ = self.child.kill().await;
    }
}

/// Spawns one child process with its output appended to `log`, and records its process ID.
fn spawn_child(
    name: &str,
    exe: &Path,
    args: &[String],
    log: &Path,
    pid_file: &Path,
) -> anyhow::Result<Child> {
    for file in [log, pid_file] {
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
    }
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    let err = out.try_clone()?;
    let child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {name} ({})", exe.display()))?;
    if let Some(pid) = child.id() {
        // Written atomically: a reader never sees a partial ID.
        let tmp = pid_file.with_extension("pid.tmp");
        std::fs::write(&tmp, format!("{pid}\n"))
            .and_then(|()| std::fs::rename(&tmp, pid_file))
            .with_context(|| format!("writing {}", pid_file.display()))?;
    }
    Ok(child)
}

/// Reserves `count` distinct free TCP ports on 127.0.0.1.
///
/// The listeners are dropped before returning, so another process could take a port in between;
/// on loopback in a test or a developer's machine that race is rare and shows up as a clear
/// "address in use" in the component's log.
pub fn free_ports(count: usize) -> anyhow::Result<Vec<u16>> {
    let listeners = (0..count)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .context("reserving loopback ports")?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr()?.port()))
        .collect()
}
