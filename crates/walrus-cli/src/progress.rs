//! Progress bars on stderr (hidden when stderr is not a terminal).

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use walrus_sdk::{Progress, ProgressEvent};

/// Draws one spinner or bar per phase of a store or read.
#[derive(Debug)]
pub struct Bars {
    bar: Mutex<ProgressBar>,
}

impl Bars {
    /// A progress display on stderr; `hidden` for `--json`.
    pub fn new(hidden: bool) -> Self {
        let target = if hidden {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(spinner_style());
        Self {
            bar: Mutex::new(bar),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(bar) = self.bar.lock() {
            f(&bar);
        }
    }

    /// Clears the display.
    pub fn finish(&self) {
        self.with_bar(|bar| bar.finish_and_clear());
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bytes_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn count_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Progress for Bars {
    fn event(&self, event: ProgressEvent) {
        self.with_bar(|bar| match event {
            ProgressEvent::EncodingStarted { size } => {
                bar.set_style(spinner_style());
                bar.set_message(format!("encoding {size} bytes"));
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
            }
            ProgressEvent::Encoded { blob_id, .. } => {
                bar.set_message(format!("registering blob {blob_id}"));
            }
            ProgressEvent::AlreadyCertified { blob_id } => {
                bar.set_message(format!("blob {blob_id} is already certified"));
            }
            ProgressEvent::Registered { .. } => bar.set_message("registered"),
            ProgressEvent::UploadStarted {
                n_nodes,
                total_bytes,
                ..
            } => {
                bar.disable_steady_tick();
                bar.set_style(bytes_style());
                bar.set_length(total_bytes);
                bar.set_position(0);
                bar.set_message(format!("uploading to {n_nodes} nodes"));
            }
            ProgressEvent::BytesSent { bytes } => bar.inc(bytes),
            ProgressEvent::NodeStored { .. } | ProgressEvent::NodeFailed { .. } => {}
            ProgressEvent::CollectingConfirmations => {
                bar.set_style(spinner_style());
                bar.set_message("collecting confirmations");
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
            }
            ProgressEvent::Certifying => bar.set_message("certifying on chain"),
            ProgressEvent::Certified { .. } => bar.set_message("certified"),
            ProgressEvent::ReadStarted { needed, .. } => {
                bar.set_style(count_style());
                bar.set_length(needed as u64);
                bar.set_position(0);
                bar.set_message("fetching slivers");
            }
            ProgressEvent::SliverReceived => bar.inc(1),
            ProgressEvent::Decoding => {
                bar.set_style(spinner_style());
                bar.set_message("decoding");
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
            }
        });
    }
}
