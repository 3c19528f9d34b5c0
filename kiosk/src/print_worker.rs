//! The printer on its own thread: print jobs and status checks go in over
//! a channel, [`PrinterReply`]s come back, and the wake callback repaints
//! the UI. A [`Printer`] blocks for up to its timeouts; the screen must not.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use banli_core::ids::TicketId;

use crate::printer::Printer;
use crate::state::{PrintJob, PrintOutcome, outcome_of_error, outcome_of_status};

/// What the printer thread answers.
#[derive(Debug, Clone)]
pub enum PrinterReply {
    /// A print job finished.
    Printed {
        /// The ticket it was for (`None`: a test ticket).
        ticket: Option<(TicketId, String)>,
        /// How it went.
        outcome: PrintOutcome,
    },
    /// A status check finished.
    Checked(PrintOutcome),
}

enum Job {
    Print(PrintJob),
    Check,
}

/// The handle the app keeps; dropping it stops the thread.
pub struct PrintWorker {
    jobs: Sender<Job>,
}

impl PrintWorker {
    /// Starts the thread that owns `printer`.
    ///
    /// # Errors
    ///
    /// The thread cannot be started.
    pub fn spawn(
        mut printer: Printer,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<(Self, Receiver<PrinterReply>)> {
        let (jobs, job_rx) = channel::<Job>();
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("kiosk-printer".to_owned())
            .spawn(move || {
                for job in job_rx {
                    let reply = match job {
                        Job::Print(job) => PrinterReply::Printed {
                            ticket: job.ticket,
                            outcome: match printer.print(&job.bytes) {
                                Ok(report) => outcome_of_status(report.status),
                                Err(e) => outcome_of_error(&e),
                            },
                        },
                        Job::Check => PrinterReply::Checked(check(&mut printer)),
                    };
                    if tx.send(reply).is_err() {
                        return;
                    }
                    wake();
                }
            })?;
        Ok((PrintWorker { jobs }, rx))
    }

    /// Queues a print job.
    pub fn print(&self, job: PrintJob) {
        // A dead thread means the app is shutting down.
        let _ = self.jobs.send(Job::Print(job));
    }

    /// Queues a status check.
    pub fn check(&self) {
        let _ = self.jobs.send(Job::Check);
    }
}

/// Reads the status and says whether a ticket would print.
fn check(printer: &mut Printer) -> PrintOutcome {
    let target = printer.config().to_string();
    match printer.status() {
        Ok(Some(status)) => match status.ready(&target) {
            Ok(()) => outcome_of_status(Some(status)),
            Err(e) => outcome_of_error(&e),
        },
        Ok(None) => outcome_of_status(None),
        Err(e) => outcome_of_error(&e),
    }
}
