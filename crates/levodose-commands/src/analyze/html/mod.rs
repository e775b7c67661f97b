//! The HTML report documents of `analyze ...`: one builder per command, each built from the result
//! struct the command also prints with `--json`, so `--out DIR/report.html`, the JSON and the
//! `levodose serve` result page show the same numbers. Builders only arrange and format; they
//! compute nothing.

pub mod dose_response;
pub mod mmrm;
pub mod nca;
pub mod study;
