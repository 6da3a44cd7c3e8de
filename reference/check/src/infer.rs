//! Type variables and unification (union-find). A variable is either
//! unknown, linked to another, or known to be one type constructor whose
//! arguments are again variables. `nil` is a *nullable* unknown: it may only
//! become an array or a record (or stay nil).

use crate::{StructId, Type};

pub type Tv = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Con {
    Int,
    Float,
    Bool,
    Str,
    Array(Tv),
    Struct(StructId),
    /// Already reported: unifies with anything, so one mistake gives one error.
    Error,
}

#[derive(Clone, Copy, Debug)]
enum Slot {
    Link(Tv),
    Unknown { nullable: bool },
    Known(Con),
}

/// What the root of a variable currently says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Unknown,
    /// Unknown, but only `nil`, an array or a record fit.
    Nil,
    Known(Con),
}

#[derive(Default)]
pub struct Table {
    slots: Vec<Slot>,
}

/// Types nested deeper than this are treated as unknown while printing or
/// resolving: only reachable through pathological programs.
const MAX_NEST: u32 = 256;

impl Table {
    pub fn fresh(&mut self) -> Tv {
        self.push(Slot::Unknown { nullable: false })
    }

    pub fn fresh_nil(&mut self) -> Tv {
        self.push(Slot::Unknown { nullable: true })
    }

    pub fn known(&mut self, con: Con) -> Tv {
        self.push(Slot::Known(con))
    }

    pub fn error(&mut self) -> Tv {
        self.known(Con::Error)
    }

    fn push(&mut self, s: Slot) -> Tv {
        self.slots.push(s);
        (self.slots.len() - 1) as Tv
    }

    pub fn find(&mut self, v: Tv) -> Tv {
        let mut root = v;
        while let Slot::Link(next) = self.slots[root as usize] {
            root = next;
        }
        let mut cur = v;
        while let Slot::Link(next) = self.slots[cur as usize] {
            self.slots[cur as usize] = Slot::Link(root);
            cur = next;
        }
        root
    }

    pub fn shape(&mut self, v: Tv) -> Shape {
        let r = self.find(v);
        match self.slots[r as usize] {
            Slot::Unknown { nullable: false } => Shape::Unknown,
            Slot::Unknown { nullable: true } => Shape::Nil,
            Slot::Known(c) => Shape::Known(c),
            Slot::Link(_) => unreachable!("find returns a root"),
        }
    }

    pub fn is_error(&mut self, v: Tv) -> bool {
        self.shape(v) == Shape::Known(Con::Error)
    }

    /// Does `v` occur inside `inside`? Prevents infinite types like `a = [a]`.
    fn occurs(&mut self, v: Tv, inside: Tv, depth: u32) -> bool {
        if depth > MAX_NEST {
            return true;
        }
        let r = self.find(inside);
        if r == v {
            return true;
        }
        match self.slots[r as usize] {
            Slot::Known(Con::Array(e)) => self.occurs(v, e, depth + 1),
            _ => false,
        }
    }

    /// Makes `a` and `b` the same type, or says they cannot be.
    pub fn unify(&mut self, a: Tv, b: Tv) -> Result<(), ()> {
        self.unify_depth(a, b, 0)
    }

    fn unify_depth(&mut self, a: Tv, b: Tv, depth: u32) -> Result<(), ()> {
        if depth > MAX_NEST {
            return Err(());
        }
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(());
        }
        match (self.slots[ra as usize], self.slots[rb as usize]) {
            (Slot::Known(Con::Error), _) | (_, Slot::Known(Con::Error)) => {
                // Poison both so later uses stay quiet.
                let err = if matches!(self.slots[ra as usize], Slot::Known(Con::Error)) { ra } else { rb };
                let other = if err == ra { rb } else { ra };
                if !matches!(self.slots[other as usize], Slot::Known(_)) {
                    self.slots[other as usize] = Slot::Link(err);
                }
                Ok(())
            }
            (Slot::Unknown { nullable: na }, Slot::Unknown { nullable: nb }) => {
                self.slots[ra as usize] = Slot::Link(rb);
                self.slots[rb as usize] = Slot::Unknown { nullable: na || nb };
                Ok(())
            }
            (Slot::Unknown { nullable }, Slot::Known(c)) => self.bind(ra, nullable, rb, c),
            (Slot::Known(c), Slot::Unknown { nullable }) => self.bind(rb, nullable, ra, c),
            (Slot::Known(ca), Slot::Known(cb)) => match (ca, cb) {
                (Con::Array(ea), Con::Array(eb)) => self.unify_depth(ea, eb, depth + 1),
                _ if ca == cb => Ok(()),
                _ => Err(()),
            },
            (Slot::Link(_), _) | (_, Slot::Link(_)) => unreachable!("roots are never links"),
        }
    }

    fn bind(&mut self, var: Tv, nullable: bool, to: Tv, con: Con) -> Result<(), ()> {
        if nullable && !matches!(con, Con::Array(_) | Con::Struct(_)) {
            return Err(());
        }
        if self.occurs(var, to, 0) {
            return Err(());
        }
        self.slots[var as usize] = Slot::Link(to);
        Ok(())
    }

    /// The final type; anything still unknown becomes `nil` (callers report
    /// unknowns that matter before asking).
    pub fn resolve(&mut self, v: Tv) -> Type {
        self.resolve_depth(v, 0)
    }

    fn resolve_depth(&mut self, v: Tv, depth: u32) -> Type {
        if depth > MAX_NEST {
            return Type::Nil;
        }
        match self.shape(v) {
            Shape::Unknown | Shape::Nil | Shape::Known(Con::Error) => Type::Nil,
            Shape::Known(Con::Int) => Type::Int,
            Shape::Known(Con::Float) => Type::Float,
            Shape::Known(Con::Bool) => Type::Bool,
            Shape::Known(Con::Str) => Type::Str,
            Shape::Known(Con::Struct(s)) => Type::Struct(s),
            Shape::Known(Con::Array(e)) => Type::Array(Box::new(self.resolve_depth(e, depth + 1))),
        }
    }

    /// `int`, `[str]`, `Point`, `nil`, and `_` for what is not known yet.
    pub fn show(&mut self, v: Tv, struct_names: &[String]) -> String {
        self.show_depth(v, struct_names, 0)
    }

    fn show_depth(&mut self, v: Tv, names: &[String], depth: u32) -> String {
        if depth > MAX_NEST {
            return "...".into();
        }
        match self.shape(v) {
            Shape::Unknown | Shape::Known(Con::Error) => "_".into(),
            Shape::Nil => "nil".into(),
            Shape::Known(Con::Int) => "int".into(),
            Shape::Known(Con::Float) => "float".into(),
            Shape::Known(Con::Bool) => "bool".into(),
            Shape::Known(Con::Str) => "str".into(),
            Shape::Known(Con::Struct(s)) => names.get(s.0 as usize).cloned().unwrap_or_else(|| "?".into()),
            Shape::Known(Con::Array(e)) => format!("[{}]", self.show_depth(e, names, depth + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unifies_through_links_and_arrays() {
        let mut t = Table::default();
        let (a, b) = (t.fresh(), t.fresh());
        let arr_a = t.known(Con::Array(a));
        let arr_b = t.known(Con::Array(b));
        assert!(t.unify(arr_a, arr_b).is_ok());
        let int = t.known(Con::Int);
        assert!(t.unify(b, int).is_ok());
        assert_eq!(t.resolve(arr_a), Type::Array(Box::new(Type::Int)));
        let s = t.known(Con::Str);
        assert!(t.unify(a, s).is_err());
    }

    #[test]
    fn nil_only_becomes_a_reference() {
        let mut t = Table::default();
        let n = t.fresh_nil();
        let int = t.known(Con::Int);
        assert!(t.unify(n, int).is_err());
        let e = t.fresh();
        let arr = t.known(Con::Array(e));
        assert!(t.unify(n, arr).is_ok());
        let n2 = t.fresh_nil();
        assert_eq!(t.resolve(n2), Type::Nil);
        // A plain unknown that meets nil becomes nullable.
        let u = t.fresh();
        let n3 = t.fresh_nil();
        t.unify(u, n3).unwrap();
        assert_eq!(t.shape(u), Shape::Nil);
    }

    #[test]
    fn occurs_check_refuses_infinite_types() {
        let mut t = Table::default();
        let a = t.fresh();
        let arr = t.known(Con::Array(a));
        assert!(t.unify(a, arr).is_err());
        assert_eq!(t.show(arr, &[]), "[_]");
    }

    #[test]
    fn error_absorbs_everything() {
        let mut t = Table::default();
        let e = t.error();
        let int = t.known(Con::Int);
        let u = t.fresh();
        assert!(t.unify(e, int).is_ok());
        assert!(t.unify(u, e).is_ok());
        assert!(t.is_error(u));
    }
}
