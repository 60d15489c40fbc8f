//! End-to-end test harness: a whole Walrus network as real processes on 127.0.0.1.
//!
//! [`LocalNetwork::start`] runs `walrus --json local --dir <tempdir>/net ...` (not `--demo`) as a
//! child process, which starts the devnet chain, the storage nodes (each its own process), the
//! indexer and the publisher/aggregator daemon, and prints one JSON line of endpoints. The
//! harness exposes those endpoints, runs `walrus --config <client.yaml> ...` commands and parses
//! their JSON, and controls single components: [`LocalNetwork::kill_component`] sends SIGKILL to
//! the PID in `DIR/run/<name>.pid` (`devnet`, `node-I`, `indexer`, `daemon`),
//! [`LocalNetwork::restart_component`] sends SIGHUP to `walrus local`, which restarts every
//! component that died (see `crates/walrus-cli/src/local.rs`).
//!
//! The harness does not build anything: the caller passes the path of the `walrus` binary. The
//! integration tests live in the walrus-cli package (`crates/walrus-cli/tests/e2e_*.rs`), where
//! Cargo builds the binary and sets `CARGO_BIN_EXE_walrus`; see `tests/README.md`.
//!
//! Dropping a [`LocalNetwork`] (also while a failing test unwinds) stops it: SIGTERM to `walrus
//! local`, which stops its children; if it does not exit in time it is killed, and so is every
//! component whose PID file is still there. Nothing is left running.

use std::{
    io::{BufRead, BufReader, Read, Write},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// How long `walrus local` gets to print its endpoints (a debug build on a loaded 2-core machine
/// starts 4 nodes in well under this).
pub const START_TIMEOUT: Duration = Duration::from_secs(300);
/// How long `walrus local` gets to stop after SIGTERM before it is killed.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a restarted component gets to listen again.
pub const RESTART_TIMEOUT: Duration = Duration::from_secs(120);

/// Errors of the harness.
#[derive(Debug, thiserror::Error)]
pub enum E2eError {
    /// An operating-system call failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `walrus local` exited before it was ready.
    #[error("walrus local exited ({status}) before printing its endpoints; stderr:\n{stderr}")]
    StartFailed {
        /// Its exit status.
        status: ExitStatus,
        /// The end of its stderr.
        stderr: String,
    },
    /// Something did not happen in time.
    #[error("timed out after {timeout:?}: {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// The limit.
        timeout: Duration,
    },
    /// Output that should have been JSON was not, or lacked a field.
    #[error("unexpected output of {what}: {detail}")]
    BadOutput {
        /// Which command or file.
        what: String,
        /// What was wrong.
        detail: String,
    },
    /// A `walrus` command failed.
    #[error("`walrus {args}` failed ({status}): {stderr}")]
    CommandFailed {
        /// The arguments.
        args: String,
        /// The exit status.
        status: ExitStatus,
        /// Its stderr.
        stderr: String,
    },
    /// A component is not running (no PID file).
    #[error("{0} is not running (no PID file)")]
    NotRunning(String),
}

/// Result of harness calls.
pub type Result<T, E = E2eError> = std::result::Result<T, E>;

fn io_error(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> E2eError {
    let context = context.into();
    move |source| E2eError::Io { context, source }
}

/// The shape of the network to start (first start of `walrus local`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkConfig {
    /// Storage nodes.
    pub nodes: u16,
    /// Shards.
    pub shards: u16,
    /// Epoch duration in seconds.
    pub epoch_secs: u64,
}

impl Default for NetworkConfig {
    /// 4 nodes, 20 shards, one-hour epochs (no epoch change during a test).
    fn default() -> Self {
        Self {
            nodes: 4,
            shards: 20,
            epoch_secs: 3600,
        }
    }
}

/// The endpoints `walrus local --json` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The network directory.
    pub dir: PathBuf,
    /// The client config for `walrus --config`.
    pub client_config: PathBuf,
    /// The chain's gRPC URL.
    pub grpc: String,
    /// The faucet URL.
    pub faucet: String,
    /// Each storage node's REST URL, in node order (`node-0` first).
    pub nodes: Vec<String>,
    /// The indexer API URL.
    pub indexer: String,
    /// The publisher/aggregator daemon URL.
    pub daemon: String,
}

impl Endpoints {
    /// Parses the JSON line of `walrus local --json`.
    pub fn parse(line: &str) -> Result<Self> {
        let bad = |detail: String| E2eError::BadOutput {
            what: "walrus local".to_owned(),
            detail,
        };
        let value: Value =
            serde_json::from_str(line.trim()).map_err(|e| bad(format!("{e}: {line:?}")))?;
        let text = |key: &str| {
            value[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| bad(format!("no string {key:?} in {line}")))
        };
        let nodes = value["nodes"]
            .as_array()
            .ok_or_else(|| bad(format!("no \"nodes\" array in {line}")))?
            .iter()
            .map(|n| {
                n.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(format!("a node URL is not a string: {n}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            dir: text("dir")?.into(),
            client_config: text("clientConfig")?.into(),
            grpc: text("grpc")?,
            faucet: text("faucet")?,
            nodes,
            indexer: text("indexer")?,
            daemon: text("daemon")?,
        })
    }
}

/// The captured result of one `walrus` command.
#[derive(Debug, Clone)]
pub struct CliOutput {
    /// The arguments after `--config <path>`, joined by spaces (for messages).
    pub args: String,
    /// The exit status.
    pub status: ExitStatus,
    /// Raw stdout.
    pub stdout: Vec<u8>,
    /// Stderr as text.
    pub stderr: String,
}

impl CliOutput {
    /// Fails unless the command exited with status 0.
    pub fn success(self) -> Result<Self> {
        if self.status.success() {
            Ok(self)
        } else {
            Err(E2eError::CommandFailed {
                args: self.args,
                status: self.status,
                stderr: self.stderr.trim().to_owned(),
            })
        }
    }

    /// The single JSON value on stdout of a successful command.
    pub fn json(self) -> Result<Value> {
        let output = self.success()?;
        let text = String::from_utf8_lossy(&output.stdout);
        let text = text.trim();
        if text.lines().count() != 1 {
            return Err(E2eError::BadOutput {
                what: format!("walrus {}", output.args),
                detail: format!("expected one JSON line, got {text:?}"),
            });
        }
        serde_json::from_str(text).map_err(|e| E2eError::BadOutput {
            what: format!("walrus {}", output.args),
            detail: format!("{e}: {text:?}"),
        })
    }

    /// The error line of a command that failed the CLI way: exit status 1 and exactly one line
    /// `error: ...` on stderr. Fails if the command succeeded or failed differently.
    pub fn error_line(&self) -> Result<&str> {
        let stderr = self.stderr.trim();
        let one_line = stderr.lines().count() == 1 && stderr.starts_with("error: ");
        if self.status.code() == Some(1) && one_line {
            Ok(stderr)
        } else {
            Err(E2eError::BadOutput {
                what: format!("walrus {}", self.args),
                detail: format!(
                    "expected exit status 1 and one `error:` line, got {} and {stderr:?}",
                    self.status
                ),
            })
        }
    }
}

/// A running `walrus local` network; stopped on drop.
#[derive(Debug)]
pub struct LocalNetwork {
    walrus: PathBuf,
    endpoints: Endpoints,
    process: Option<Child>,
    stderr_path: PathBuf,
    // Last: removed after the processes are gone.
    temp: tempfile::TempDir,
}

impl LocalNetwork {
    /// Starts `walrus local` with `config` in a new temporary directory and waits for its
    /// endpoints. `walrus` is the path of the `walrus` binary.
    pub fn start(walrus: impl Into<PathBuf>, config: &NetworkConfig) -> Result<Self> {
        let walrus = walrus.into();
        let temp = tempfile::Builder::new()
            .prefix("walrus-e2e-")
            .tempdir()
            .map_err(io_error("creating a temporary directory"))?;
        let dir = temp.path().join("net");
        let stderr_path = temp.path().join("walrus-local.stderr");
        let stderr = std::fs::File::create(&stderr_path)
            .map_err(io_error(format!("creating {}", stderr_path.display())))?;
        let mut child = Command::new(&walrus)
            .arg("--json")
            .arg("local")
            .arg("--dir")
            .arg(&dir)
            .args(["--nodes", &config.nodes.to_string()])
            .args(["--shards", &config.shards.to_string()])
            .args(["--epoch-secs", &config.epoch_secs.to_string()])
            .args(["--write-default-config", "false"])
            .env_remove("WALRUS_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .map_err(io_error(format!("starting {}", walrus.display())))?;
        // Read stdout on a thread (and keep draining it, so `walrus local` never writes into a
        // closed pipe).
        let (sender, receiver) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    let _ = sender.send(line);
                }
            });
        }
        let mut network = Self {
            walrus,
            endpoints: Endpoints {
                dir: dir.clone(),
                client_config: dir.join("client.yaml"),
                grpc: String::new(),
                faucet: String::new(),
                nodes: Vec::new(),
                indexer: String::new(),
                daemon: String::new(),
            },
            process: Some(child),
            stderr_path,
            temp,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        let line = loop {
            match receiver.recv_timeout(Duration::from_millis(250)) {
                Ok(line) if line.trim().is_empty() => {}
                Ok(line) => break line,
                Err(mpsc::RecvTimeoutError::Timeout | mpsc::RecvTimeoutError::Disconnected) => {}
            }
            if let Some(status) = network.try_wait()? {
                return Err(E2eError::StartFailed {
                    status,
                    stderr: network.stderr_tail(40),
                });
            }
            if Instant::now() >= deadline {
                return Err(E2eError::Timeout {
                    what: format!(
                        "walrus local printing its endpoints; stderr:\n{}",
                        network.stderr_tail(40)
                    ),
                    timeout: START_TIMEOUT,
                });
            }
        };
        network.endpoints = Endpoints::parse(&line)?;
        Ok(network)
    }

    fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        match &mut self.process {
            Some(child) => child
                .try_wait()
                .map_err(io_error("waiting for walrus local")),
            None => Ok(None),
        }
    }

    /// The endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The network directory (`DIR` of `walrus local`).
    pub fn dir(&self) -> &Path {
        &self.endpoints.dir
    }

    /// A scratch directory for test files, removed with the network.
    pub fn scratch(&self) -> &Path {
        self.temp.path()
    }

    /// The client config path.
    pub fn client_config(&self) -> &Path {
        &self.endpoints.client_config
    }

    /// The daemon's base URL.
    pub fn daemon_url(&self) -> &str {
        &self.endpoints.daemon
    }

    /// The indexer API's base URL.
    pub fn indexer_url(&self) -> &str {
        &self.endpoints.indexer
    }

    /// The storage nodes' base URLs.
    pub fn node_urls(&self) -> &[String] {
        &self.endpoints.nodes
    }

    /// The process ID of `walrus local`.
    pub fn local_pid(&self) -> Option<u32> {
        self.process.as_ref().map(Child::id)
    }

    /// Runs `walrus --config <client.yaml> args...` and captures its output.
    pub fn walrus(&self, args: &[&str]) -> Result<CliOutput> {
        self.walrus_with_env(args, &[])
    }

    /// Like [`Self::walrus`], with extra environment variables.
    pub fn walrus_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Result<CliOutput> {
        let output = Command::new(&self.walrus)
            .arg("--config")
            .arg(self.client_config())
            .args(args)
            .env_remove("WALRUS_CONFIG")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .map_err(io_error(format!("running {}", self.walrus.display())))?;
        Ok(CliOutput {
            args: args.join(" "),
            status: output.status,
            stdout: output.stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    /// Like [`Self::walrus`], but kills the command and fails with [`E2eError::Timeout`] if it
    /// runs longer than `timeout` (a bound for commands that must not hang, e.g. during faults).
    pub fn walrus_with_timeout(&self, args: &[&str], timeout: Duration) -> Result<CliOutput> {
        let mut child = Command::new(&self.walrus)
            .arg("--config")
            .arg(self.client_config())
            .args(args)
            .env_remove("WALRUS_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(io_error(format!("running {}", self.walrus.display())))?;
        // Drain both pipes on threads, so a chatty command never blocks on a full pipe.
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut bytes);
                }
                bytes
            })
        };
        let stdout = drain(
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let stderr = drain(
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(io_error("waiting for walrus"))? {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default())
                    .trim()
                    .to_owned();
                return Err(E2eError::Timeout {
                    what: format!("`walrus {}` to finish; stderr: {stderr}", args.join(" ")),
                    timeout,
                });
            }
            thread::sleep(Duration::from_millis(50));
        };
        Ok(CliOutput {
            args: args.join(" "),
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned(),
        })
    }

    /// Runs `walrus --config <client.yaml> args... --json` and returns its JSON output; fails if
    /// the command fails.
    pub fn json(&self, args: &[&str]) -> Result<Value> {
        let mut args = args.to_vec();
        args.push("--json");
        self.walrus(&args)?.json()
    }

    /// The current epoch, from `walrus info`.
    pub fn epoch(&self) -> Result<u64> {
        let info = self.json(&["info"])?;
        info["epoch"].as_u64().ok_or_else(|| E2eError::BadOutput {
            what: "walrus info".to_owned(),
            detail: format!("no epoch in {info}"),
        })
    }

    /// Polls `walrus info` until the epoch is at least `epoch`; returns the epoch seen.
    pub fn wait_for_epoch(&self, epoch: u64, timeout: Duration) -> Result<u64> {
        let deadline = Instant::now() + timeout;
        loop {
            let current = self.epoch()?;
            if current >= epoch {
                return Ok(current);
            }
            if Instant::now() >= deadline {
                return Err(E2eError::Timeout {
                    what: format!("epoch {epoch} (still {current})"),
                    timeout,
                });
            }
            thread::sleep(Duration::from_millis(500));
        }
    }

    /// The PID file of a component (`devnet`, `node-I`, `indexer`, `daemon`).
    pub fn pid_file(&self, component: &str) -> PathBuf {
        self.dir().join("run").join(format!("{component}.pid"))
    }

    /// The process ID of a running component.
    pub fn pid_of(&self, component: &str) -> Result<u32> {
        let path = self.pid_file(component);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(E2eError::NotRunning(component.to_owned()));
            }
            Err(error) => return Err(io_error(format!("reading {}", path.display()))(error)),
        };
        text.trim().parse().map_err(|e| E2eError::BadOutput {
            what: path.display().to_string(),
            detail: format!("{e}: {text:?}"),
        })
    }

    /// The process IDs of all running components, by name.
    pub fn component_pids(&self) -> Result<Vec<(String, u32)>> {
        let run = self.dir().join("run");
        let mut pids = Vec::new();
        let entries = match std::fs::read_dir(&run) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(pids),
            Err(error) => return Err(io_error(format!("listing {}", run.display()))(error)),
        };
        for entry in entries {
            let entry = entry.map_err(io_error(format!("listing {}", run.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(component) = name.strip_suffix(".pid") {
                match self.pid_of(component) {
                    Ok(pid) => pids.push((component.to_owned(), pid)),
                    Err(E2eError::NotRunning(_)) => {}
                    Err(error) => return Err(error),
                }
            }
        }
        pids.sort();
        Ok(pids)
    }

    /// Kills storage node `i` with SIGKILL and waits until `walrus local` has seen it die.
    pub fn kill_node(&self, i: usize) -> Result<()> {
        self.kill_component(&format!("node-{i}"))
    }

    /// Asks `walrus local` (SIGHUP) to restart every component that died, and waits until
    /// storage node `i` runs and accepts connections again.
    pub fn restart_node(&self, i: usize) -> Result<()> {
        self.restart_component(&format!("node-{i}"))
    }

    /// Kills a component (`devnet`, `node-I`, `indexer`, `daemon`) with SIGKILL and waits until
    /// `walrus local` has seen it die (it removes the PID file and keeps the rest running).
    pub fn kill_component(&self, component: &str) -> Result<()> {
        let pid = self.pid_of(component)?;
        send_signal(pid, "KILL")?;
        // The supervisor reaps the child within a second and removes its PID file.
        let pid_file = self.pid_file(component);
        wait_until(
            &format!("walrus local noticing that {component} died"),
            RESTART_TIMEOUT,
            || Ok(!pid_file.exists()),
        )
    }

    /// Asks `walrus local` (SIGHUP) to restart every component that died, and waits until
    /// `component` runs and accepts connections on its address again.
    pub fn restart_component(&self, component: &str) -> Result<()> {
        let pid = self
            .local_pid()
            .ok_or_else(|| E2eError::NotRunning("walrus local".to_owned()))?;
        let address = self.component_address(component)?;
        send_signal(pid, "HUP")?;
        wait_until(
            &format!("{component} listening on {address} again"),
            RESTART_TIMEOUT,
            || {
                Ok(self.pid_file(component).exists()
                    && std::net::TcpStream::connect(&address).is_ok())
            },
        )
    }

    /// `host:port` a component listens on: the chain's gRPC port for `devnet`, the API ports of
    /// `indexer` and `daemon`, the REST port of `node-I`.
    pub fn component_address(&self, component: &str) -> Result<String> {
        let url = match component {
            "devnet" => &self.endpoints.grpc,
            "indexer" => &self.endpoints.indexer,
            "daemon" => &self.endpoints.daemon,
            _ => {
                let i = component
                    .strip_prefix("node-")
                    .and_then(|i| i.parse().ok())
                    .ok_or_else(|| E2eError::NotRunning(component.to_owned()))?;
                return self.node_address(i);
            }
        };
        Ok(host_port(url))
    }

    /// The YAML config file `walrus local` wrote for storage node `i`
    /// (`DIR/nodes/node-I/node.yaml`, `walrus_node::config::NodeConfig`). A node reads it when
    /// it starts, so a test can edit it (say, to turn on the node's testing-only
    /// `fault_injection`) and then [`Self::kill_node`] and [`Self::restart_node`]; `walrus local`
    /// rewrites it only when it starts again itself.
    pub fn node_config_path(&self, i: usize) -> PathBuf {
        self.dir()
            .join("nodes")
            .join(format!("node-{i}"))
            .join("node.yaml")
    }

    /// `host:port` of storage node `i`.
    pub fn node_address(&self, i: usize) -> Result<String> {
        let url = self
            .endpoints
            .nodes
            .get(i)
            .ok_or_else(|| E2eError::NotRunning(format!("node-{i}")))?;
        Ok(host_port(url))
    }

    /// The last `lines` lines of a component's log (`devnet`, `node-I`, `indexer`, `daemon`).
    pub fn log_tail(&self, component: &str, lines: usize) -> String {
        tail(
            &self.dir().join("logs").join(format!("{component}.log")),
            lines,
        )
    }

    /// The last `lines` lines of `walrus local`'s own stderr.
    pub fn stderr_tail(&self, lines: usize) -> String {
        tail(&self.stderr_path, lines)
    }

    /// Stops the network (SIGTERM to `walrus local`) and checks that it exits successfully and
    /// that none of its components is left running.
    pub fn stop(self) -> Result<()> {
        self.stop_with_signal("TERM")
    }

    /// Like [`Self::stop`] with another signal first: `INT` is what Ctrl-C sends.
    pub fn stop_with_signal(mut self, signal: &str) -> Result<()> {
        let pids = self.component_pids()?;
        let status = self.shutdown_with(signal)?;
        if !status.is_some_and(|s| s.success()) {
            return Err(E2eError::BadOutput {
                what: "walrus local".to_owned(),
                detail: format!(
                    "did not stop cleanly on SIGTERM ({status:?}); stderr:\n{}",
                    self.stderr_tail(20)
                ),
            });
        }
        for (component, pid) in pids {
            wait_until(
                &format!("{component} (pid {pid}) to exit"),
                STOP_TIMEOUT,
                || Ok(!process_exists(pid)),
            )?;
        }
        let left = self.component_pids()?;
        if !left.is_empty() {
            return Err(E2eError::BadOutput {
                what: "walrus local".to_owned(),
                detail: format!("PID files left after stopping: {left:?}"),
            });
        }
        Ok(())
    }

    /// `signal`, wait, SIGKILL if needed, then kill any component still recorded as running.
    /// Returns the exit status of `walrus local` if it exited by itself.
    fn shutdown_with(&mut self, signal: &str) -> Result<Option<ExitStatus>> {
        let Some(mut child) = self.process.take() else {
            return Ok(None);
        };
        let mut status = child
            .try_wait()
            .map_err(io_error("waiting for walrus local"))?;
        if status.is_none() {
            let _ = send_signal(child.id(), signal);
            let deadline = Instant::now() + STOP_TIMEOUT;
            while status.is_none() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(100));
                status = child
                    .try_wait()
                    .map_err(io_error("waiting for walrus local"))?;
            }
        }
        if status.is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Components of a `walrus local` that was killed (or crashed) are orphans: kill them by
        // the IDs it recorded.
        for (_, pid) in self.component_pids().unwrap_or_default() {
            if process_exists(pid) {
                let _ = send_signal(pid, "KILL");
            }
        }
        Ok(status)
    }
}

impl Drop for LocalNetwork {
    fn drop(&mut self) {
        let _ = self.shutdown_with("TERM");
    }
}

/// Sends `signal` (a name like `TERM`, `KILL`, `HUP`) to `pid` with kill(1) (the workspace
/// forbids unsafe code, so no libc).
pub fn send_signal(pid: u32, signal: &str) -> Result<()> {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(io_error("running kill"))?;
    if status.success() {
        Ok(())
    } else {
        Err(E2eError::NotRunning(format!("process {pid}")))
    }
}

/// Whether a process with this ID exists and is not a zombie.
pub fn process_exists(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Polls `condition` every 200 ms until it holds or `timeout` passes.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut condition: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if condition()? {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(E2eError::Timeout {
                what: what.to_owned(),
                timeout,
            });
        }
        thread::sleep(Duration::from_millis(200));
    }
}

/// `host:port` of an `http://host:port/` URL.
fn host_port(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_owned()
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_else(|e| format!("(cannot read {}: {e})", path.display()));
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Deterministic pseudo-random bytes (xorshift64*) for test files: `size` bytes from `seed`.
pub fn pattern(size: usize, seed: u64) -> Vec<u8> {
    let mut data = Vec::with_capacity(size);
    let mut generator = Pattern::new(seed);
    while data.len() < size {
        let word = generator.next_word().to_le_bytes();
        let take = (size - data.len()).min(word.len());
        data.extend_from_slice(&word[..take]);
    }
    data
}

/// Writes [`pattern`]`(size, seed)` to `path` in chunks (for files too large to build in memory
/// comfortably) and returns its SHA-256 in hex.
pub fn write_pattern_file(path: &Path, size: u64, seed: u64) -> Result<String> {
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(path).map_err(io_error(format!("creating {}", path.display())))?,
    );
    let mut hasher = Sha256::new();
    let mut generator = Pattern::new(seed);
    let mut remaining = size;
    let mut chunk = Vec::with_capacity(1 << 16);
    while remaining > 0 {
        chunk.clear();
        while chunk.len() < (1 << 16) && remaining > 0 {
            let word = generator.next_word().to_le_bytes();
            let take = usize::try_from(remaining.min(8)).unwrap_or(8);
            chunk.extend_from_slice(&word[..take]);
            remaining -= u64::try_from(take).unwrap_or(8);
        }
        hasher.update(&chunk);
        file.write_all(&chunk)
            .map_err(io_error(format!("writing {}", path.display())))?;
    }
    file.flush()
        .map_err(io_error(format!("writing {}", path.display())))?;
    Ok(hex::encode(hasher.finalize()))
}

/// The SHA-256 of a file, in hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).map_err(io_error(format!("opening {}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(io_error(format!("reading {}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The SHA-256 of bytes, in hex.
pub fn sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

struct Pattern(u64);

impl Pattern {
    fn new(seed: u64) -> Self {
        // xorshift must not start at zero.
        Self((seed ^ 0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next_word(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn endpoints_parse_the_local_json_line() {
        let line = r#"{"dir":"/tmp/x","clientConfig":"/tmp/x/client.yaml","grpc":"http://127.0.0.1:1","faucet":"http://127.0.0.1:2","nodes":["http://127.0.0.1:3","http://127.0.0.1:4"],"indexer":"http://127.0.0.1:5","daemon":"http://127.0.0.1:6"}"#;
        let endpoints = Endpoints::parse(line).unwrap();
        assert_eq!(endpoints.client_config, Path::new("/tmp/x/client.yaml"));
        assert_eq!(endpoints.nodes.len(), 2);
        assert_eq!(endpoints.daemon, "http://127.0.0.1:6");
        let error = Endpoints::parse(r#"{"dir":"/tmp/x","nodes":[]}"#).unwrap_err();
        assert!(error.to_string().contains("clientConfig"), "{error}");
        assert!(Endpoints::parse("not json").is_err());
    }

    #[test]
    fn pattern_file_matches_pattern_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.bin");
        let hash = write_pattern_file(&path, 100_003, 7).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes, pattern(100_003, 7));
        assert_eq!(hash, sha256(&bytes));
        assert_eq!(sha256_file(&path).unwrap(), hash);
        assert_ne!(pattern(64, 1), pattern(64, 2));
    }

    #[test]
    fn cli_output_checks_one_line_errors() {
        let failed = Command::new("sh")
            .args(["-c", "echo 'error: no such blob' >&2; exit 1"])
            .output()
            .unwrap();
        let output = CliOutput {
            args: "read x".to_owned(),
            status: failed.status,
            stdout: failed.stdout,
            stderr: String::from_utf8_lossy(&failed.stderr).into_owned(),
        };
        assert_eq!(output.error_line().unwrap(), "error: no such blob");
        assert!(output.clone().json().is_err());
        let ok = Command::new("sh")
            .args(["-c", "echo '{\"a\":1}'"])
            .output()
            .unwrap();
        let output = CliOutput {
            args: "info".to_owned(),
            status: ok.status,
            stdout: ok.stdout,
            stderr: String::new(),
        };
        assert!(output.error_line().is_err());
        assert_eq!(output.json().unwrap()["a"], 1);
    }

    #[test]
    fn process_exists_sees_live_and_reaped_processes() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        assert!(process_exists(child.id()));
        send_signal(child.id(), "KILL").unwrap();
        child.wait().unwrap();
        assert!(!process_exists(child.id()));
    }
}
