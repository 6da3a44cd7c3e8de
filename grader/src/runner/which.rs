//! Finding programs on PATH, for the runner and the sandbox alike.

/// A program on PATH (or a path), for deciding up front whether a tool such as qemu exists.
pub fn find_on_path(name: &str) -> Option<std::path::PathBuf> {
    if name.contains('/') {
        let p = std::path::PathBuf::from(name);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}
