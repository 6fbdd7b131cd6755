//! The demo project. (being written)
use std::path::Path;
/// Writes the demo project.
pub fn write_demo(path: &Path) -> crate::Result<()> {
    crate::store::Store::create(path).map(|_| ())
}
