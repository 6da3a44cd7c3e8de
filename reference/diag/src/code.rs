//! The stable vocabulary of diagnostics. Codes never change meaning once
//! published: exercises and student engines match on them.

use std::fmt;

/// When an error surfaced: the heart of the course's phase model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// The entry file (or, for the JIT, the whole import graph) failed to parse.
    Parse,
    /// The AOT compiler refused the program.
    Build,
    /// The interpreter loaded a module lazily, at its `import` statement, and failed.
    Import,
    /// The program failed while running.
    Runtime,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Parse => "parse",
            Phase::Build => "build",
            Phase::Import => "import",
            Phase::Runtime => "runtime",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        Some(match s {
            "parse" => Phase::Parse,
            "build" => Phase::Build,
            "import" => Phase::Import,
            "runtime" => Phase::Runtime,
            _ => return None,
        })
    }

    /// 65 when nothing ran, 70 when the program was running.
    pub fn exit_code(self) -> i32 {
        match self {
            Phase::Parse | Phase::Build => crate::EXIT_BEFORE_RUN,
            Phase::Import | Phase::Runtime => crate::EXIT_WHILE_RUNNING,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Syntax,
    Name,
    Type,
    Field,
    Arity,
    Nil,
    DivZero,
    Index,
    Import,
    Value,
    Stack,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Syntax => "syntax",
            Kind::Name => "name",
            Kind::Type => "type",
            Kind::Field => "field",
            Kind::Arity => "arity",
            Kind::Nil => "nil",
            Kind::DivZero => "div-zero",
            Kind::Index => "index",
            Kind::Import => "import",
            Kind::Value => "value",
            Kind::Stack => "stack",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($($variant:ident = $num:literal, $kind:ident, $summary:literal;)*) => {
        /// Every diagnostic code Tern emits. See LANGUAGE.md, "Diagnostics".
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u16)]
        #[allow(clippy::zero_prefixed_literal, reason = "written as after the E: 0001 for E0001")]
        pub enum Code { $($variant = $num,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn kind(self) -> Kind {
                match self { $(Code::$variant => Kind::$kind,)* }
            }

            /// `E0601` and so on.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => concat!("E", stringify!($num)),)* }
            }

            /// One line saying what the code means, for docs and `--explain`.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            pub fn number(self) -> u16 {
                self as u16
            }

            pub fn from_number(n: u16) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.number() == n)
            }

            pub fn from_name(s: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == s)
            }
        }
    };
}

codes! {
    UnexpectedToken = 0001, Syntax, "unexpected token";
    UnterminatedString = 0002, Syntax, "unterminated string literal";
    BadNumber = 0003, Syntax, "invalid number literal";
    BadEscape = 0004, Syntax, "invalid escape sequence in a string";
    UnexpectedChar = 0005, Syntax, "character that starts no token";
    BadAssignTarget = 0006, Syntax, "invalid assignment target";
    ItemNotAllowed = 0007, Syntax, "fn or struct declared inside a block";
    UnknownVariable = 0101, Name, "unknown variable";
    UnknownFunction = 0102, Name, "unknown function";
    UnknownStruct = 0103, Name, "unknown struct";
    Uninitialized = 0104, Name, "global read before its `let` ran";
    UnknownMember = 0105, Name, "unknown module member";
    UnknownType = 0106, Name, "unknown type name in an annotation";
    Mismatch = 0201, Type, "operand types do not fit the operator";
    AnnotationMismatch = 0202, Type, "value contradicts a type annotation";
    ArgumentMismatch = 0203, Type, "argument contradicts the parameter's type";
    NotCallable = 0204, Type, "calling something that is not a function";
    ConditionNotBool = 0205, Type, "condition is not a bool";
    CannotInfer = 0206, Type, "a type cannot be inferred; add an annotation";
    MissingReturn = 0207, Type, "function may end without returning a value";
    FunctionAsValue = 0208, Type, "a function used as a value";
    NotIndexable = 0209, Type, "indexing a non-array or reading a field of a non-record";
    LoopControlOutsideLoop = 0210, Type, "break or continue outside a loop";
    UnknownField = 0301, Field, "unknown field";
    MissingField = 0302, Field, "record literal misses a field";
    DuplicateField = 0303, Field, "field given twice in a record literal";
    WrongArity = 0401, Arity, "wrong number of arguments";
    NilAccess = 0501, Nil, "field access or index on nil";
    DivisionByZero = 0601, DivZero, "integer division or modulo by zero";
    IndexOutOfRange = 0701, Index, "index out of range";
    ModuleNotFound = 0801, Import, "module file not found or unreadable";
    BadConversion = 0901, Value, "value cannot be converted";
    FixedDigits = 0902, Value, "fixed() digits out of range";
    StackOverflow = 1001, Stack, "call depth exceeded";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_four_digits_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert_eq!(c.as_str().len(), 5, "{c:?}");
            assert!(seen.insert(c.as_str()));
            assert_eq!(Code::from_name(c.as_str()), Some(*c));
            assert_eq!(Code::from_number(c.number()), Some(*c));
        }
        assert_eq!(Code::DivisionByZero.as_str(), "E0601");
        assert_eq!(Code::UnexpectedToken.as_str(), "E0001");
    }

    #[test]
    fn phases_map_to_exit_codes() {
        assert_eq!(Phase::Parse.exit_code(), 65);
        assert_eq!(Phase::Build.exit_code(), 65);
        assert_eq!(Phase::Import.exit_code(), 70);
        assert_eq!(Phase::Runtime.exit_code(), 70);
    }
}
