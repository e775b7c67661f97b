//! levodose-serve: the local web workbench (`levodose serve`). Every form becomes the argument list
//! of the equivalent `levodose` command, is parsed by the command layer's own clap definitions and
//! run through the command's own `compute`; the result page is the command's report rendered by
//! `levodose-report`.

mod cli;
mod serve;
mod serve_analyze;

pub use serve::{run, Args};
