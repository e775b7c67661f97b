//! The parser of the workbench's forms: the CLI's own subcommands under the program's name, so a
//! form is validated with the messages the command line prints.

pub use levodose_commands::cli::Command;

#[derive(clap::Parser)]
#[command(name = "levodose")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}
