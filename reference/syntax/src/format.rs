//! `tern fmt` end to end: source -> canonical source, with every comment
//! kept. The printer places comments by position; this module checks its
//! work, so a placement bug refuses to format instead of losing user text.

use crate::pretty::{print_module, print_module_with_comments};
use crate::{parse_with_comments, Comment};
use std::collections::HashMap;
use tern_diag::{Diagnostic, FileId};

#[derive(Debug)]
pub enum FormatError {
    /// The source does not parse.
    Syntax(Diagnostic),
    /// This comment of the source is missing from the output (a formatter bug).
    LostComment(Comment),
    /// The output does not parse to the same program (a formatter bug).
    Changed,
}

/// Formats `src`; an `Err` means nothing should be written.
pub fn format_source(file: FileId, src: &str) -> Result<String, FormatError> {
    let (module, comments) = parse_with_comments(file, src).map_err(FormatError::Syntax)?;
    let out = print_module_with_comments(&module, src, &comments);
    verify(file, &print_module(&module), &comments, &out)?;
    Ok(out)
}

/// `out` must parse to the program whose comment-free canonical form is
/// `canonical`, and hold every comment in `comments` (compared as a multiset
/// of texts, so a comment may move but never vanish).
pub fn verify(file: FileId, canonical: &str, comments: &[Comment], out: &str) -> Result<(), FormatError> {
    let (again, kept) = parse_with_comments(file, out).map_err(|_| FormatError::Changed)?;
    if let Some(lost) = first_missing(comments, &kept) {
        return Err(FormatError::LostComment(lost.clone()));
    }
    if print_module(&again) != canonical {
        return Err(FormatError::Changed);
    }
    Ok(())
}

/// The first comment of `before` (in source order) that `after` lacks.
fn first_missing<'a>(before: &'a [Comment], after: &[Comment]) -> Option<&'a Comment> {
    let mut left: HashMap<&str, usize> = HashMap::new();
    for c in after {
        *left.entry(c.text.as_str()).or_default() += 1;
    }
    before.iter().find(|c| match left.get_mut(c.text.as_str()) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Formats `src`, checking on the way that formatting the result changes nothing.
    fn fmt(src: &str) -> String {
        let out = format_source(FileId(0), src).unwrap_or_else(|e| panic!("{e:?}\n{src}"));
        let again = format_source(FileId(0), &out).unwrap_or_else(|e| panic!("{e:?}\n{out}"));
        assert_eq!(again, out, "not idempotent; input:\n{src}");
        out
    }

    #[test]
    fn comments_around_items_and_statements_stay_in_place() {
        let src = "// header\n// second header line\nstruct P { x: int }\n// about f\nfn f(a) { // trailing the brace\n  // inside\n  return a; // after return\n  // before the brace\n}\nprint(f(1)); // after a call\n// end of file\n";
        let want = "// header\n// second header line\nstruct P { x: int }\n\n// about f\nfn f(a) { // trailing the brace\n    // inside\n    return a; // after return\n    // before the brace\n}\nprint(f(1)); // after a call\n// end of file\n";
        assert_eq!(fmt(src), want);
    }

    #[test]
    fn comments_in_nested_blocks_follow_the_new_indentation() {
        let src = "if a { // then\nwhile b {\n// loop body\nx = 1; }\n} else { // otherwise\n} // after if\nfor i in 0..3 {\n  // only a comment\n}\n";
        let want = "if a { // then\n    while b {\n        // loop body\n        x = 1;\n    }\n} else { // otherwise\n} // after if\nfor i in 0..3 {\n    // only a comment\n}\n";
        assert_eq!(fmt(src), want);
    }

    #[test]
    fn a_comment_in_a_list_puts_each_item_on_its_own_line() {
        // Also when the comment is in an inner list: `print(g(` breaks both.
        let src = "struct P { x: int, // the x\n y: int }\nfn f(a, // first\n b) {}\nlet p = P { x: 1, // one\n  // before y\n  y: 2 };\nlet xs = [1, // one\n 2];\nprint(g(1, // arg\n 2));\nprint(h( // open\n));\n";
        let want = "struct P {\n    x: int, // the x\n    y: int,\n}\n\nfn f(\n    a, // first\n    b,\n) {\n}\nlet p = P {\n    x: 1, // one\n    // before y\n    y: 2,\n};\nlet xs = [\n    1, // one\n    2,\n];\nprint(\n    g(\n        1, // arg\n        2,\n    ),\n);\nprint(\n    h( // open\n    ),\n);\n";
        assert_eq!(fmt(src), want);
    }

    #[test]
    fn comments_inside_expressions_end_the_line_and_the_code_continues() {
        assert_eq!(fmt("let x = a + // plus\n  b;\n"), "let x = a + // plus\n    b;\n");
        assert_eq!(fmt("let y = (1 // one\n) * 2;\n"), "let y = 1 * // one\n    2;\n");
        assert_eq!(fmt("let z = 5 // before the semicolon\n;\n"), "let z = 5; // before the semicolon\n");
        assert_eq!(fmt("if a // before the brace\n{ }\n"), "if a { // before the brace\n}\n");
    }

    #[test]
    fn end_of_file_comments_with_or_without_a_final_newline() {
        assert_eq!(fmt("print(1); // last"), "print(1); // last\n");
        assert_eq!(fmt("print(1);\n// last"), "print(1);\n// last\n");
        assert_eq!(fmt("// only a comment"), "// only a comment\n");
        assert_eq!(fmt("\n\n// a\n\n// b\n\n"), "// a\n// b\n");
    }

    #[test]
    fn comment_text_is_kept_verbatim_but_for_trailing_whitespace() {
        let src = "print(\"// not a comment\"); // a \"quoted\" // comment  \r\n//no space\t\r\n";
        assert_eq!(fmt(src), "print(\"// not a comment\"); // a \"quoted\" // comment\n//no space\n");
    }

    #[test]
    fn formatting_without_comments_is_unchanged() {
        let src = "fn f(a:int)->int{return a*(2+3);}\nprint( f(1) );\n";
        assert_eq!(fmt(src), "fn f(a: int) -> int {\n    return a * (2 + 3);\n}\nprint(f(1));\n");
    }

    fn comments_of(src: &str) -> Vec<Comment> {
        parse_with_comments(FileId(0), src).unwrap().1
    }

    fn canonical(src: &str) -> String {
        print_module(&crate::parse(FileId(0), src).unwrap())
    }

    #[test]
    fn verify_names_the_first_comment_an_output_lost() {
        let src = "// a\nprint(1); // b\n// b\n";
        let lost = |out: &str| match verify(FileId(0), &canonical(src), &comments_of(src), out) {
            Err(FormatError::LostComment(c)) => c.span.start,
            other => panic!("{other:?}"),
        };
        assert_eq!(lost("print(1);\n"), 0);
        assert_eq!(
            lost("// a\nprint(1); // b\n"),
            20,
            "texts are counted: the second `// b` is the lost one"
        );
        assert!(
            verify(FileId(0), &canonical(src), &comments_of(src), "// b\n// a\nprint(1);\n// b\n").is_ok()
        );
    }

    #[test]
    fn verify_refuses_an_output_that_is_another_program() {
        let src = "print(1); // one\n";
        for out in ["print(2); // one\n", "print(1) // one\n"] {
            assert!(
                matches!(
                    verify(FileId(0), &canonical(src), &comments_of(src), out),
                    Err(FormatError::Changed)
                ),
                "{out}"
            );
        }
    }

    #[test]
    fn syntax_errors_are_reported_not_formatted() {
        assert!(matches!(
            format_source(FileId(0), "print(1) // no semicolon\n"),
            Err(FormatError::Syntax(_))
        ));
    }
}
