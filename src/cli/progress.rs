//! Progress on standard error while long work runs: a spinner, or a bar
//! when the amount of work is known. Only on a terminal; in a log or a
//! benchmark's output there is nothing to clear, and the commands print
//! their summary either way.

use std::borrow::Cow;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Shown while work runs; nothing at all when standard error is no
/// terminal.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A spinner with `message`, turning on its own.
    pub fn spinner(message: impl Into<Cow<'static, str>>) -> Progress {
        Progress(terminal().then(|| {
            let spinner = ProgressBar::new_spinner();
            spinner.set_message(message);
            spinner.enable_steady_tick(Duration::from_millis(100));
            spinner
        }))
    }

    /// A bar of `total` steps, moved with [`Progress::set_position`].
    pub fn bar(total: u64, message: &str) -> Progress {
        Progress(terminal().then(|| {
            let bar = ProgressBar::new(total);
            bar.set_message(message.to_string());
            bar.set_style(
                ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        }))
    }

    /// Whether anything is shown (standard error is a terminal).
    pub fn is_shown(&self) -> bool {
        self.0.is_some()
    }

    pub fn set_message(&self, message: impl Into<Cow<'static, str>>) {
        if let Some(bar) = &self.0 {
            bar.set_message(message);
        }
    }

    pub fn set_position(&self, position: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(position);
        }
    }

    /// Takes it off the screen, for the summary that follows (as
    /// dropping it does, on an early return).
    pub fn finish(self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

fn terminal() -> bool {
    std::io::stderr().is_terminal()
}
