//! Signatures of the builtin functions. Overloaded ones (`len`, `int`,
//! `float`) put a class constraint on their argument; the rest unify.

use crate::checker::{Checker, Class, Site};
use crate::errors::DiagExt;
use crate::exprs::mix_hint;
use crate::infer::{Con, Tv};
use tern_diag::Code;
use tern_syntax::ast::{builtin_arity, Expr, Ident};

impl Checker<'_> {
    pub fn builtin(&mut self, name: &'static str, callee: &Ident, args: &[Expr]) -> Tv {
        let tys = self.exprs(args);
        let want = builtin_arity(name).unwrap_or(0);
        if args.len() != want {
            let shape = match name {
                "clock" => "clock()",
                "fixed" => "fixed(x, digits)",
                "push" => "push(array, value)",
                _ => "",
            };
            let shape = if shape.is_empty() { format!("{name}(x)") } else { shape.to_string() };
            self.error(
                Code::WrongArity,
                callee.span,
                format!(
                    "`{name}` takes {want} {} but {} {} given",
                    if want == 1 { "argument" } else { "arguments" },
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
            )
            .hint(format!("call it as `{shape}`"));
            return self.result_of(name);
        }
        match name {
            "int" | "float" | "len" => {
                let class = if name == "len" { Class::StrOrArray } else { Class::Num };
                self.require(
                    tys[0],
                    class,
                    Site::Builtin { name, callee: callee.span, arg: args[0].span },
                    Self::subject(&args[0]),
                );
            }
            "sqrt" => self.expect_arg(name, callee, &args[0], tys[0], Con::Float),
            "fixed" => {
                self.expect_arg(name, callee, &args[0], tys[0], Con::Float);
                self.expect_arg(name, callee, &args[1], tys[1], Con::Int);
            }
            "push" => {
                let elem = self.t.fresh();
                let arr = self.t.known(Con::Array(elem));
                if self.t.unify(tys[0], arr).is_err() {
                    let shown = self.show(tys[0]);
                    self.error(
                        Code::ArgumentMismatch,
                        callee.span,
                        format!("`push` expects an array, found {shown}"),
                    )
                    .note(args[0].span, format!("this is {shown}"))
                    .hint("`push(a, v)` appends `v` to the array `a`");
                } else if self.t.unify(tys[1], elem).is_err() {
                    let (es, vs) = (self.show(elem), self.show(tys[1]));
                    let hint = mix_hint(&es, &vs);
                    self.error(
                        Code::ArgumentMismatch,
                        callee.span,
                        format!("cannot push {vs} onto an array of {es}"),
                    )
                    .note(args[1].span, format!("this is {vs}"))
                    .hint(hint);
                }
            }
            _ => {}
        }
        self.result_of(name)
    }

    fn expect_arg(&mut self, name: &str, callee: &Ident, arg: &Expr, tv: Tv, con: Con) {
        let want = self.t.known(con);
        if self.t.unify(tv, want).is_err() {
            let (ws, fs) = (self.show(want), self.show(tv));
            let hint = mix_hint(&ws, &fs);
            self.error(Code::ArgumentMismatch, callee.span, format!("`{name}` expects {ws}, found {fs}"))
                .note(arg.span, format!("this is {fs}"))
                .hint(hint);
        }
    }

    fn result_of(&mut self, name: &str) -> Tv {
        match name {
            "str" | "fixed" => self.str(),
            "int" | "len" | "clock" => self.int(),
            "float" | "sqrt" => self.float(),
            _ => self.t.fresh_nil(),
        }
    }
}
