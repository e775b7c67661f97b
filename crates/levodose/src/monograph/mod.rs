//! Compound monographs: published pharmacology as data, every number `{ value, unit, source,
//! status, note }`. The built-in files (`crates/levodose-data/compounds/*.toml`) are embedded in the binary.
//!
//! Field names carry their unit (`clearance_l_per_h`, `net_ki_nm`); loading checks each value's
//! unit against its name, its range, and that its source resolves in `[references]`.

mod load;
mod preclinical;
mod schema;
mod value;

pub use load::{builtin, builtin_names, from_toml_str, FactRow};
pub use preclinical::*;
pub use schema::*;
pub use value::{Reference, Status, Value, ValueList};
