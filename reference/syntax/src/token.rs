//! Tokens: what the lexer hands the parser.

use tern_diag::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Int(i64),
    Float(f64),
    Str(String),
    Ident(String),
    // keywords
    Let,
    Fn,
    If,
    Else,
    While,
    For,
    In,
    Break,
    Continue,
    Return,
    Struct,
    Import,
    As,
    True,
    False,
    Nil,
    // punctuation
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    AndAnd,
    OrOr,
    Bang,
    Eq,
    Dot,
    DotDot,
    Comma,
    Semi,
    Colon,
    Arrow,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Eof,
}

impl Tok {
    pub fn keyword(word: &str) -> Option<Tok> {
        Some(match word {
            "let" => Tok::Let,
            "fn" => Tok::Fn,
            "if" => Tok::If,
            "else" => Tok::Else,
            "while" => Tok::While,
            "for" => Tok::For,
            "in" => Tok::In,
            "break" => Tok::Break,
            "continue" => Tok::Continue,
            "return" => Tok::Return,
            "struct" => Tok::Struct,
            "import" => Tok::Import,
            "as" => Tok::As,
            "true" => Tok::True,
            "false" => Tok::False,
            "nil" => Tok::Nil,
            _ => return None,
        })
    }

    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Tok::Int(n) => format!("number `{n}`"),
            Tok::Float(x) => format!("number `{x}`"),
            Tok::Str(_) => "a string".into(),
            Tok::Ident(name) => format!("name `{name}`"),
            Tok::Eof => "end of file".into(),
            other => format!("`{}`", other.text()),
        }
    }

    /// Source text of fixed tokens.
    pub fn text(&self) -> &'static str {
        match self {
            Tok::Let => "let",
            Tok::Fn => "fn",
            Tok::If => "if",
            Tok::Else => "else",
            Tok::While => "while",
            Tok::For => "for",
            Tok::In => "in",
            Tok::Break => "break",
            Tok::Continue => "continue",
            Tok::Return => "return",
            Tok::Struct => "struct",
            Tok::Import => "import",
            Tok::As => "as",
            Tok::True => "true",
            Tok::False => "false",
            Tok::Nil => "nil",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::AndAnd => "&&",
            Tok::OrOr => "||",
            Tok::Bang => "!",
            Tok::Eq => "=",
            Tok::Dot => ".",
            Tok::DotDot => "..",
            Tok::Comma => ",",
            Tok::Semi => ";",
            Tok::Colon => ":",
            Tok::Arrow => "->",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Int(_) | Tok::Float(_) | Tok::Str(_) | Tok::Ident(_) => "<literal>",
            Tok::Eof => "<eof>",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// A `//` comment. The parser never sees comments; the lexer keeps them on
/// the side so `tern fmt` can put every one of them back.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// From `//` to the end of the line, without trailing whitespace (so a
    /// `\r` of CRLF files does not end up in the middle of a line).
    pub text: String,
    /// Covers `text`.
    pub span: Span,
    /// Nothing but whitespace precedes it on its line; otherwise it trails code.
    pub own_line: bool,
}
