use std::fmt::Write;

/// Small deterministic RNG (xorshift64*), so programs depend only on the seed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    Int,
    Float,
    Bool,
    Str,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Int => "int",
            Ty::Float => "float",
            Ty::Bool => "bool",
            Ty::Str => "str",
        }
    }
}

struct Func {
    name: String,
    params: Vec<Ty>,
    ret: Ty,
}

struct Gen {
    rng: Rng,
    out: String,
    indent: usize,
    /// Variables in scope, innermost last: (name, type, may be assigned).
    scopes: Vec<Vec<(String, Ty, bool)>>,
    funcs: Vec<Func>,
    next_var: usize,
    /// Loop nesting inside the current function body (bounds output and time).
    loop_depth: usize,
    /// Written before a call of a generated function: `lib.` in a program
    /// whose functions live in an imported module.
    call_prefix: &'static str,
}

impl Gen {
    fn line(&mut self, s: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn vars_of(&self, ty: Ty) -> Vec<String> {
        self.scopes.iter().flatten().filter(|(_, t, _)| *t == ty).map(|(n, _, _)| n.clone()).collect()
    }

    fn fresh(&mut self) -> String {
        self.next_var += 1;
        format!("v{}", self.next_var)
    }

    fn expr(&mut self, ty: Ty, depth: u32) -> String {
        let vars = self.vars_of(ty);
        if depth == 0 || self.rng.chance(25) {
            if !vars.is_empty() && self.rng.chance(60) {
                return self.rng.pick(&vars).clone();
            }
            return self.literal(ty);
        }
        let d = depth - 1;
        match ty {
            Ty::Int => match self.rng.below(9) {
                0 => format!("({} + {})", self.expr(Ty::Int, d), self.expr(Ty::Int, d)),
                1 => format!("({} - {})", self.expr(Ty::Int, d), self.expr(Ty::Int, d)),
                2 => format!("({} * {})", self.expr(Ty::Int, d), self.expr(Ty::Int, d)),
                // `e % 5 + 6` lies in 2..=10: never a zero divisor.
                3 => format!("({} / ({} % 5 + 6))", self.expr(Ty::Int, d), self.expr(Ty::Int, d)),
                4 => format!("({} % ({} % 5 + 6))", self.expr(Ty::Int, d), self.expr(Ty::Int, d)),
                5 => format!("(-{})", self.expr(Ty::Int, d)),
                6 => format!("len({})", self.expr(Ty::Str, d)),
                7 => format!("int({} / 3.0)", self.int_as_float(d)),
                _ => self.call(Ty::Int, d),
            },
            Ty::Float => match self.rng.below(7) {
                0 => format!("({} + {})", self.expr(Ty::Float, d), self.expr(Ty::Float, d)),
                1 => format!("({} - {})", self.expr(Ty::Float, d), self.expr(Ty::Float, d)),
                2 => format!("({} * {})", self.expr(Ty::Float, d), self.expr(Ty::Float, d)),
                3 => format!("({} / {})", self.expr(Ty::Float, d), self.expr(Ty::Float, d)),
                4 => format!("sqrt({})", self.expr(Ty::Float, d)),
                5 => format!("float({})", self.expr(Ty::Int, d)),
                _ => self.call(Ty::Float, d),
            },
            Ty::Bool => {
                let ops = ["<", "<=", ">", ">=", "==", "!="];
                match self.rng.below(6) {
                    0 => format!(
                        "({} {} {})",
                        self.expr(Ty::Int, d),
                        self.rng.pick(&ops),
                        self.expr(Ty::Int, d)
                    ),
                    1 => format!(
                        "({} {} {})",
                        self.expr(Ty::Float, d),
                        self.rng.pick(&ops),
                        self.expr(Ty::Float, d)
                    ),
                    2 => format!("({} && {})", self.expr(Ty::Bool, d), self.expr(Ty::Bool, d)),
                    3 => format!("({} || {})", self.expr(Ty::Bool, d), self.expr(Ty::Bool, d)),
                    4 => format!("!{}", self.expr(Ty::Bool, d)),
                    _ => format!(
                        "({} {} {})",
                        self.expr(Ty::Str, d),
                        self.rng.pick(&ops),
                        self.expr(Ty::Str, d)
                    ),
                }
            }
            Ty::Str => match self.rng.below(5) {
                0 => format!("({} + {})", self.expr(Ty::Str, d), self.expr(Ty::Str, d)),
                1 => format!("str({})", self.expr(Ty::Int, d)),
                2 => format!("str({})", self.expr(Ty::Float, d)),
                3 => format!("fixed({}, {})", self.expr(Ty::Float, d), self.rng.below(7)),
                _ => format!("str({})", self.expr(Ty::Bool, d)),
            },
        }
    }

    /// A float that converts back to int without leaving i64's range.
    fn int_as_float(&mut self, d: u32) -> String {
        format!("float({} % 1000000)", self.expr(Ty::Int, d))
    }

    fn literal(&mut self, ty: Ty) -> String {
        match ty {
            Ty::Int => match self.rng.below(10) {
                0 => "9223372036854775807".into(),
                1 => "(-9223372036854775807 - 1)".into(),
                _ => self.rng.below(100).to_string(),
            },
            Ty::Float => {
                (*self.rng.pick(&["0.5", "2.25", "0.1", "3.0", "1e16", "1e-7", "123.456", "0.0"])).into()
            }
            Ty::Bool => (*self.rng.pick(&["true", "false"])).into(),
            Ty::Str => (*self.rng.pick(&["\"a\"", "\"tern\"", "\"\"", "\"é\"", "\"x y\""])).into(),
        }
    }

    fn call(&mut self, ret: Ty, d: u32) -> String {
        let candidates: Vec<usize> = (0..self.funcs.len()).filter(|&i| self.funcs[i].ret == ret).collect();
        if candidates.is_empty() {
            return self.literal(ret);
        }
        let f = *self.rng.pick(&candidates);
        let params = self.funcs[f].params.clone();
        let args: Vec<String> = params.iter().map(|t| self.expr(*t, d)).collect();
        format!("{}{}({})", self.call_prefix, self.funcs[f].name, args.join(", "))
    }

    fn any_ty(&mut self) -> Ty {
        *self.rng.pick(&[Ty::Int, Ty::Int, Ty::Float, Ty::Bool, Ty::Str])
    }

    fn stmt(&mut self, depth: u32) {
        match self.rng.below(10) {
            0..=2 => {
                let ty = self.any_ty();
                let e = self.expr(ty, 3);
                let name = self.fresh();
                if self.rng.chance(50) {
                    self.line(&format!("let {name}: {} = {e};", ty.name()));
                } else {
                    self.line(&format!("let {name} = {e};"));
                }
                self.scopes.last_mut().unwrap().push((name, ty, true));
            }
            3 | 4 => {
                let assignable: Vec<(String, Ty)> =
                    self.scopes.iter().flatten().filter(|v| v.2).map(|(n, t, _)| (n.clone(), *t)).collect();
                if let Some((name, ty)) =
                    assignable.get(self.rng.below(assignable.len().max(1) as u64) as usize).cloned()
                {
                    let e = self.expr(ty, 3);
                    self.line(&format!("{name} = {e};"));
                }
            }
            5 if self.loop_depth == 0 => {
                let ty = self.any_ty();
                let e = self.expr(ty, 3);
                self.line(&format!("print({e});"));
            }
            6 if depth > 0 => {
                let c = self.expr(Ty::Bool, 2);
                self.line(&format!("if {c} {{"));
                self.block(depth - 1);
                if self.rng.chance(50) {
                    self.line("} else {");
                    self.block(depth - 1);
                }
                self.line("}");
            }
            7 if depth > 0 && self.loop_depth < 2 => {
                let var = self.fresh();
                let n = self.rng.below(12);
                self.line(&format!("for {var} in 0..{n} {{"));
                self.loop_depth += 1;
                self.scopes.push(vec![(var, Ty::Int, false)]);
                self.indent += 1;
                for _ in 0..=self.rng.below(3) {
                    self.stmt(depth - 1);
                }
                self.indent -= 1;
                self.scopes.pop();
                self.loop_depth -= 1;
                self.line("}");
            }
            _ => {
                let ty = self.any_ty();
                let e = self.expr(ty, 3);
                let name = self.fresh();
                self.line(&format!("let {name} = {e};"));
                self.scopes.last_mut().unwrap().push((name, ty, true));
            }
        }
    }

    fn block(&mut self, depth: u32) {
        self.indent += 1;
        self.scopes.push(Vec::new());
        for _ in 0..=self.rng.below(3) {
            self.stmt(depth);
        }
        self.scopes.pop();
        self.indent -= 1;
    }

    fn function(&mut self, index: usize) {
        let name = format!("f{index}");
        let params: Vec<Ty> = (0..self.rng.below(3) + 1).map(|_| self.any_ty()).collect();
        let ret = *self.rng.pick(&[Ty::Int, Ty::Float, Ty::Str, Ty::Bool]);
        let names: Vec<String> = (0..params.len()).map(|i| format!("p{i}")).collect();
        let sig: Vec<String> = names.iter().zip(&params).map(|(n, t)| format!("{n}: {}", t.name())).collect();
        let ret_ann = if self.rng.chance(50) { format!(" -> {}", ret.name()) } else { String::new() };
        self.line(&format!("fn {name}({}){ret_ann} {{", sig.join(", ")));
        self.scopes
            .push(names.iter().cloned().zip(params.iter().copied()).map(|(n, t)| (n, t, true)).collect());
        self.indent += 1;
        for _ in 0..self.rng.below(4) {
            self.stmt(2);
        }
        let r = self.expr(ret, 3);
        self.line(&format!("return {r};"));
        self.indent -= 1;
        self.scopes.pop();
        self.line("}");
        self.funcs.push(Func { name, params, ret });
    }

    /// One to four functions, each calling only earlier ones.
    fn functions(&mut self) {
        for k in 0..(1 + self.rng.below(4)) as usize {
            self.function(k);
        }
    }

    /// A few top-level statements, then the hot loop (see [`Self::hot_loop`]).
    fn top_level(&mut self, scalars_only: bool) {
        for _ in 0..(2 + self.rng.below(6)) {
            self.stmt(2);
        }
        self.hot_loop(scalars_only);
    }

    /// A loop long enough to tier up, calling every function and folding
    /// the results into a checksum so nothing is dead. `scalars_only`:
    /// only the functions without strings in their signature, folded
    /// without strings, so that the loop itself can run natively.
    fn hot_loop(&mut self, scalars_only: bool) {
        let iters = 300 + self.rng.below(2000);
        self.line("let checksum = 0;");
        self.line(&format!("for i in 0..{iters} {{"));
        self.indent += 1;
        self.scopes.push(vec![("i".into(), Ty::Int, false)]);
        let calls: Vec<(usize, Vec<Ty>, Ty)> =
            self.funcs.iter().enumerate().map(|(k, f)| (k, f.params.clone(), f.ret)).collect();
        for (k, params, ret) in calls {
            if scalars_only && (ret == Ty::Str || params.contains(&Ty::Str)) {
                continue;
            }
            let args: Vec<String> = params
                .iter()
                .map(|t| match t {
                    Ty::Int => "(i * 7 + 3)".to_string(),
                    Ty::Float => "(float(i) * 0.25)".to_string(),
                    Ty::Bool => "(i % 3 == 0)".to_string(),
                    Ty::Str => "str(i)".to_string(),
                })
                .collect();
            let call = format!("{}f{k}({})", self.call_prefix, args.join(", "));
            let fold = match ret {
                Ty::Int => format!("checksum = checksum + {call} % 1000;"),
                Ty::Float if scalars_only => format!("if {call} > 1.0 {{ checksum = checksum + 1; }}"),
                Ty::Float => format!("checksum = checksum + len(str({call}));"),
                Ty::Str => format!("checksum = checksum + len({call});"),
                Ty::Bool => format!("if {call} {{ checksum = checksum + 1; }}"),
            };
            self.line(&fold);
        }
        self.line("if i % 500 == 0 { print(checksum); }");
        self.scopes.pop();
        self.indent -= 1;
        self.line("}");
        self.line("print(checksum);");
    }
}

fn new_gen(seed: u64) -> Gen {
    Gen {
        rng: Rng::new(seed),
        out: String::new(),
        indent: 0,
        scopes: vec![Vec::new()],
        funcs: Vec::new(),
        next_var: 0,
        loop_depth: 0,
        call_prefix: "",
    }
}

/// A program the static checker accepts; every engine must print the same.
pub fn well_typed(seed: u64) -> String {
    let mut g = new_gen(seed);
    let _ = writeln!(g.out, "// generated from seed {seed}");
    g.functions();
    g.top_level(false);
    g.out
}

/// A [`well_typed`] program whose functions live in a module, `lib.tern`,
/// which the main file imports and calls as `lib.f0(..)`: (main, lib).
pub fn well_typed_modules(seed: u64) -> (String, String) {
    let mut g = new_gen(seed);
    let _ = writeln!(g.out, "// generated from seed {seed}: the functions main.tern calls");
    g.functions();
    let lib = std::mem::take(&mut g.out);
    let _ = writeln!(g.out, "// generated from seed {seed}\nimport \"lib.tern\" as lib;");
    g.call_prefix = "lib.";
    g.top_level(true);
    (g.out, lib)
}

/// A program whose functions see ints for many calls, then floats or
/// strings: the JIT must leave native code and still print the same.
pub fn dynamic(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let warm = 100 + rng.below(3000);
    let (late_a, late_b, shown) = *rng.pick(&[("0.5", "0.25", "float"), ("\"a\"", "\"b\"", "str")]);
    let op = *rng.pick(&["+", "*", "-"]);
    let op_for_late = if shown == "str" { "+" } else { op };
    let mut s = format!("// generated from seed {seed}\n");
    let _ = writeln!(s, "fn mix(a, b) {{ return a {op_for_late} b; }}");
    let _ = writeln!(s, "fn loop_sum(n, step) {{ let s = step - step; let k = 0; while k < n {{ s = s {op_for_late} step; k = k + 1; }} return s; }}");
    let _ = writeln!(s, "let acc = 0;");
    let _ = writeln!(s, "for i in 0..{warm} {{ acc = acc + mix(i, 3) % 100 + loop_sum(3, i) % 10; }}");
    let _ = writeln!(s, "print(acc);");
    let _ = writeln!(s, "print(mix({late_a}, {late_b}));");
    if shown == "float" {
        let _ = writeln!(s, "print(loop_sum(4, {late_b}));");
    }
    let _ = writeln!(s, "for i in 0..{} {{ acc = acc + mix(i, 1) % 7; }}", rng.below(500));
    let _ = writeln!(s, "print(acc);");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_program() {
        assert_eq!(well_typed(7), well_typed(7));
        let (main, lib) = well_typed_modules(5);
        assert!(
            main.contains("import \"lib.tern\" as lib;")
                && main.contains("lib.f0(")
                && lib.contains("fn f0(")
        );
        assert_ne!(well_typed(7), well_typed(8));
        assert!(dynamic(3).contains("fn mix"));
        assert_eq!(crate::heapy(3), crate::heapy(3));
        assert_ne!(crate::heapy(3), crate::heapy(4));
    }
}
