//! Child processes of `walrus local`: spawn with logs in files, wait for readiness, stop cleanly.

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
    child: Child,
}

impl Component {
    /// Starts `exe args...` with stdout and stderr appended to `log`.
    pub fn spawn(name: &str, exe: &Path, args: &[String], log: &Path) -> anyhow::Result<Self> {
        if let Some(parent) = log.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
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
        Ok(Self {
            name: name.to_owned(),
            log: log.to_path_buf(),
            child,
        })
    }

    /// Fails if the child has exited, pointing at its log.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); see {}",
                self.name,
                self.log.display()
            );
        }
        Ok(())
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
