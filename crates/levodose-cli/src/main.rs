//! `levodose`: the binary. It parses the command line, dispatches to the command layer
//! (`levodose-commands`) or the workbench (`levodose-serve`), and turns errors into exit codes
//! (2: bad input, 1: internal); it computes no pharmacology and formats no report.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "levodose",
    version,
    about = "Levomilnacipran dose-selection workbench for research (not for patient care)",
    long_about = "levodose answers dosing questions about levomilnacipran from published data: \
exposure, NET/SERT occupancy, label checks, populations, preclinical translation, trial sizing and \
analysis. Every number traces to a source (`levodose facts`).\n\n\
levodose is a research tool for designing and analysing studies; it is not a prescription or \
dosing advice for any patient."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once; boxing the flags buys nothing
enum Command {
    #[command(flatten)]
    Run(levodose_commands::cli::Command),
    /// Start the local web workbench (127.0.0.1; forms, reports, JSON downloads).
    Serve(levodose_serve::Args),
}

fn main() {
    restore_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let result = match cli.command {
        Command::Run(c) => c.run(),
        Command::Serve(a) => levodose_serve::run(a),
    };
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(e.exit_code());
    }
}

/// Rust ignores SIGPIPE, so `levodose ... | head` would fail on a closed pipe; restore the default
/// so the program ends quietly like other command-line tools.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal disposition to its default at start-up, before any threads exist.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
