//! Reading files a student controls. Only regular files are read (a symlink
//! could point at a solution, a FIFO hang the grader, a device never end),
//! each with a size cap, and YAML is checked for size and nesting before a
//! parser sees it.
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// A program file of an exercise.
pub const MAX_PROGRAM_FILE: u64 = 1 << 20;
/// answers.yaml, engine.yaml, tern-course.yaml.
pub const MAX_YAML_FILE: u64 = 64 << 10;
/// Flow collections (`[`, `{`) nested deeper than this are refused: no
/// honest answers file needs them, and parse time grows with the depth.
pub const MAX_YAML_DEPTH: usize = 32;

/// The bytes of `path` if it is a regular file of at most `cap` bytes.
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let ft = meta.file_type();
    if !ft.is_file() {
        use std::os::unix::fs::FileTypeExt;
        let what = if ft.is_symlink() {
            "a symbolic link"
        } else if ft.is_dir() {
            "a directory"
        } else if ft.is_fifo() {
            "a FIFO"
        } else if ft.is_block_device() || ft.is_char_device() {
            "a device"
        } else {
            "not a regular file"
        };
        return Err(format!(
            "{shown} is {what}; only regular files are graded (replace it with the file itself)"
        ));
    }
    // O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO after the
    // check above still cannot redirect or block the read.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a regular file; only regular files are graded"));
    }
    if meta.len() > cap {
        return Err(format!(
            "{shown} is {} bytes, more than the {cap} bytes a file may have here",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(format!("{shown} grew past {cap} bytes while it was read"));
    }
    Ok(bytes)
}

/// A student's YAML file as text, refused before parsing if it is too big,
/// not UTF-8 or nested too deep.
pub fn read_yaml(path: &Path) -> Result<String, String> {
    let bytes = read_regular(path, MAX_YAML_FILE)?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
    check_yaml_depth(&text).map_err(|(line, col)| {
        format!("{}:{line}:{col}: error: YAML nested more than {MAX_YAML_DEPTH} levels deep", path.display())
    })?;
    Ok(text)
}

/// Flow nesting depth, skipping quoted strings and comments; the position
/// (1-based line and column) where it first goes over the limit.
pub fn check_yaml_depth(src: &str) -> Result<(), (usize, usize)> {
    let mut depth = 0usize;
    for (i, line) in src.lines().enumerate() {
        let mut quote: Option<char> = None;
        for (col, c) in line.chars().enumerate() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_YAML_DEPTH {
                        return Err((i + 1, col + 1));
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    Ok(())
}

/// A level or exercise name that is safe as one path component.
pub fn plain_name(name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.starts_with('.')
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control);
    if bad {
        Err(format!("`{name}` must be a plain name: no `/`, no `..`, not hidden, not absolute"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_cap_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("main.tern");
        std::fs::write(&f, "print(1);\n").unwrap();
        assert_eq!(read_regular(&f, 100).unwrap(), b"print(1);\n");
        let err = read_regular(&f, 4).unwrap_err();
        assert!(err.contains("more than the 4 bytes"), "{err}");
        let link = dir.path().join("link.tern");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        assert!(read_regular(&link, 100).unwrap_err().contains("is a symbolic link"));
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(read_regular(&zero, 100).unwrap_err().contains("symbolic link"));
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(read_regular(&fifo, 100).unwrap_err().contains("is a FIFO"));
        assert!(read_regular(Path::new("/dev/null"), 100).unwrap_err().contains("is a device"));
    }

    #[test]
    fn deep_yaml_is_refused_before_parsing_and_quotes_do_not_count() {
        let deep = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(check_yaml_depth(&deep), Err((1, 4 + MAX_YAML_DEPTH)));
        assert_eq!(
            check_yaml_depth(
                "a: \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"\n# {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\n"
            ),
            Ok(())
        );
        assert_eq!(check_yaml_depth("a: {b: [1, 2], c: {d: e}}\n"), Ok(()));
    }

    #[test]
    fn names_are_one_plain_component() {
        for bad in ["", ".", "..", "../x", "/abs", "a/b", ".hidden", "a\\b"] {
            assert!(plain_name(bad).is_err(), "{bad:?}");
        }
        assert!(plain_name("01-compiled-interpreted-jit").is_ok());
    }
}
