//! levodose-report: the report model and its renderers, shared by the CLI and the web workbench.
//!
//! - [`document`]: one [`Document`] (inputs, answer, sections of tables and figures, findings,
//!   sources) that every command builds from the result it also prints as JSON;
//! - [`html`]: the one HTML renderer (a minijinja template compiled in);
//! - [`plot`]: the one chart builder (SVG through plotters), [`raster`]: PNG copies at 300 dpi
//!   with the bundled font;
//! - [`table`]: table building and the number formats every report and terminal table uses;
//! - [`sources`]: the sources section from the monograph's references.
//!
//! The categorical study figures (`levodose-commands`' `analyze/study_figures.rs`) are still a
//! second hand-written SVG engine with its own palette; they belong in [`plot`] (issue 17).

pub mod command_line;
pub mod document;
pub mod html;
pub mod plot;
pub mod raster;
pub mod sources;
pub mod table;

pub use command_line::{command_line, shell_quote};
pub use document::{Answer, Document, Figure, Section, Source, Table};
pub use html::render_html;
pub use sources::sources_of;
pub use table::{fixed, p_value, sig4};
