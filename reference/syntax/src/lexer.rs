//! Bytes -> tokens. Stops at the first error: one precise diagnostic beats
//! a cascade of guesses for a student reading it.

use crate::token::{Comment, Tok, Token};
use tern_diag::{Code, Diagnostic, FileId, Phase, Span};

pub fn lex(file: FileId, src: &str) -> Result<Vec<Token>, Diagnostic> {
    lex_with_comments(file, src).map(|(tokens, _)| tokens)
}

/// The tokens, and the comments between them in source order (for `tern fmt`).
pub fn lex_with_comments(file: FileId, src: &str) -> Result<(Vec<Token>, Vec<Comment>), Diagnostic> {
    let mut lx = Lexer {
        file,
        src,
        bytes: src.as_bytes(),
        pos: 0,
        out: Vec::new(),
        comments: Vec::new(),
        line_has_code: false,
    };
    lx.run()?;
    Ok((lx.out, lx.comments))
}

struct Lexer<'a> {
    file: FileId,
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: Vec<Token>,
    comments: Vec<Comment>,
    /// A token started on the current line: a comment here trails code.
    line_has_code: bool,
}

impl<'a> Lexer<'a> {
    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.pos)
    }

    fn err(&self, code: Code, start: usize, end: usize, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Phase::Parse, Span::new(self.file, start, end), msg)
    }

    fn peek(&self, ahead: usize) -> u8 {
        *self.bytes.get(self.pos + ahead).unwrap_or(&0)
    }

    fn push(&mut self, tok: Tok, start: usize) {
        let span = self.span(start);
        self.out.push(Token { tok, span });
        self.line_has_code = true;
    }

    fn comment(&mut self) {
        let start = self.pos;
        while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
            self.pos += 1;
        }
        let text = self.src[start..self.pos].trim_end().to_string();
        let span = Span::new(self.file, start, start + text.len());
        self.comments.push(Comment { text, span, own_line: !self.line_has_code });
    }

    fn run(&mut self) -> Result<(), Diagnostic> {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let c = self.bytes[self.pos];
            match c {
                b'\n' => {
                    self.pos += 1;
                    self.line_has_code = false;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'/' if self.peek(1) == b'/' => self.comment(),
                b'0'..=b'9' => self.number()?,
                b'"' => self.string()?,
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                    while matches!(self.peek(0), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_') {
                        self.pos += 1;
                    }
                    let word = &self.src[start..self.pos];
                    let tok = Tok::keyword(word).unwrap_or_else(|| Tok::Ident(word.to_string()));
                    self.push(tok, start);
                }
                _ => {
                    let (tok, len) = match (c, self.peek(1)) {
                        (b'=', b'=') => (Tok::EqEq, 2),
                        (b'!', b'=') => (Tok::NotEq, 2),
                        (b'<', b'=') => (Tok::Le, 2),
                        (b'>', b'=') => (Tok::Ge, 2),
                        (b'&', b'&') => (Tok::AndAnd, 2),
                        (b'|', b'|') => (Tok::OrOr, 2),
                        (b'.', b'.') => (Tok::DotDot, 2),
                        (b'-', b'>') => (Tok::Arrow, 2),
                        (b'+', _) => (Tok::Plus, 1),
                        (b'-', _) => (Tok::Minus, 1),
                        (b'*', _) => (Tok::Star, 1),
                        (b'/', _) => (Tok::Slash, 1),
                        (b'%', _) => (Tok::Percent, 1),
                        (b'<', _) => (Tok::Lt, 1),
                        (b'>', _) => (Tok::Gt, 1),
                        (b'!', _) => (Tok::Bang, 1),
                        (b'=', _) => (Tok::Eq, 1),
                        (b'.', _) => (Tok::Dot, 1),
                        (b',', _) => (Tok::Comma, 1),
                        (b';', _) => (Tok::Semi, 1),
                        (b':', _) => (Tok::Colon, 1),
                        (b'(', _) => (Tok::LParen, 1),
                        (b')', _) => (Tok::RParen, 1),
                        (b'{', _) => (Tok::LBrace, 1),
                        (b'}', _) => (Tok::RBrace, 1),
                        (b'[', _) => (Tok::LBracket, 1),
                        (b']', _) => (Tok::RBracket, 1),
                        _ => {
                            let ch = self.src[start..].chars().next().unwrap_or('?');
                            let hint = match ch {
                                '&' => "logical and is written `&&`",
                                '|' => "logical or is written `||`",
                                '\'' => "strings use double quotes: \"text\"",
                                _ => "remove it, or put it inside a string",
                            };
                            return Err(self
                                .err(
                                    Code::UnexpectedChar,
                                    start,
                                    start + ch.len_utf8(),
                                    format!("unexpected character `{}`", ch.escape_default()),
                                )
                                .with_hint(hint));
                        }
                    };
                    self.pos += len;
                    self.push(tok, start);
                }
            }
        }
        let end = self.bytes.len();
        self.out.push(Token { tok: Tok::Eof, span: Span::new(self.file, end, end) });
        Ok(())
    }

    fn digits(&mut self) {
        while self.peek(0).is_ascii_digit() {
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Result<(), Diagnostic> {
        let start = self.pos;
        self.digits();
        let mut is_float = false;
        // A digit must follow '.', so `0..10` stays int `..` int.
        if self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
            is_float = true;
            self.pos += 1;
            self.digits();
        }
        if matches!(self.peek(0), b'e' | b'E') {
            let sign = usize::from(matches!(self.peek(1), b'+' | b'-'));
            if self.peek(1 + sign).is_ascii_digit() {
                is_float = true;
                self.pos += 1 + sign;
                self.digits();
            }
        }
        if matches!(self.peek(0), b'a'..=b'z' | b'A'..=b'Z' | b'_') {
            while matches!(self.peek(0), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_') {
                self.pos += 1;
            }
            return Err(self
                .err(
                    Code::BadNumber,
                    start,
                    self.pos,
                    format!("invalid number literal `{}`", &self.src[start..self.pos]),
                )
                .with_hint("numbers are decimal digits, like `42` or `2.5e3`"));
        }
        let text = &self.src[start..self.pos];
        let tok = if is_float {
            Tok::Float(
                text.parse()
                    .map_err(|_| self.err(Code::BadNumber, start, self.pos, "invalid float literal"))?,
            )
        } else {
            Tok::Int(text.parse::<i64>().map_err(|_| {
                self.err(
                    Code::BadNumber,
                    start,
                    self.pos,
                    format!("integer literal `{text}` does not fit in 64 bits"),
                )
                .with_hint("ints range from -9223372036854775807 - 1 to 9223372036854775807")
            })?)
        };
        self.push(tok, start);
        Ok(())
    }

    fn string(&mut self) -> Result<(), Diagnostic> {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let Some(ch) = rest.chars().next() else {
                return Err(self
                    .err(Code::UnterminatedString, start, start + 1, "unterminated string")
                    .with_hint("close the string with `\"` on the same line"));
            };
            match ch {
                '"' => {
                    self.pos += 1;
                    break;
                }
                '\n' => {
                    return Err(self
                        .err(Code::UnterminatedString, start, start + 1, "unterminated string")
                        .with_hint("strings end on the line they start; write `\\n` for a newline"));
                }
                '\\' => {
                    let esc_start = self.pos;
                    let next = self.src[self.pos + 1..].chars().next();
                    let v = match next {
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('r') => '\r',
                        Some('\\') => '\\',
                        Some('"') => '"',
                        Some('0') => '\0',
                        Some(other) => {
                            return Err(self
                                .err(
                                    Code::BadEscape,
                                    esc_start,
                                    esc_start + 1 + other.len_utf8(),
                                    format!("unknown escape `\\{}`", other.escape_default()),
                                )
                                .with_hint("the escapes are \\n \\t \\r \\\\ \\\" \\0"));
                        }
                        None => {
                            return Err(self.err(
                                Code::UnterminatedString,
                                start,
                                start + 1,
                                "unterminated string",
                            ));
                        }
                    };
                    value.push(v);
                    self.pos += 2;
                }
                c => {
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        self.push(Tok::Str(value), start);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        lex(FileId(0), src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn ranges_stay_integers() {
        assert_eq!(toks("0..10"), vec![Tok::Int(0), Tok::DotDot, Tok::Int(10), Tok::Eof]);
        assert_eq!(toks("2.5e3 1e2"), vec![Tok::Float(2500.0), Tok::Float(100.0), Tok::Eof]);
    }

    #[test]
    fn comments_are_kept_aside_with_their_place() {
        let src = "// head\nlet s = \"// no\"; // tail  \r\n  // own\r\nx";
        let (tokens, comments) = lex_with_comments(FileId(0), src).unwrap();
        assert_eq!(tokens.len(), 7, "the comments are not tokens");
        let seen: Vec<(&str, bool)> = comments.iter().map(|c| (c.text.as_str(), c.own_line)).collect();
        assert_eq!(seen, vec![("// head", true), ("// tail", false), ("// own", true)]);
        assert_eq!(&src[comments[1].span.range()], "// tail");
    }

    #[test]
    fn errors_point_at_the_culprit() {
        let e = lex(FileId(0), "let x = \"abc").unwrap_err();
        assert_eq!(e.code, Code::UnterminatedString);
        assert_eq!(e.span.unwrap().start, 8);
        let e = lex(FileId(0), "a & b").unwrap_err();
        assert_eq!(e.code, Code::UnexpectedChar);
        assert_eq!(lex(FileId(0), "99999999999999999999").unwrap_err().code, Code::BadNumber);
        assert_eq!(lex(FileId(0), "\"a\\q\"").unwrap_err().code, Code::BadEscape);
    }
}
