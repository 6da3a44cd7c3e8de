//! Definite-return analysis, deliberately simple so students can predict
//! it (LANGUAGE.md §12.2): a block returns if any of its statements does;
//! an `if` returns if it has an `else` and both branches return; loops
//! never count, not even `while true`.

use tern_syntax::ast::{Block, Else, Expr, Stmt, StmtKind};

pub fn block_returns(b: &Block) -> bool {
    b.stmts.iter().any(stmt_returns)
}

fn stmt_returns(s: &Stmt) -> bool {
    match &s.kind {
        StmtKind::Return(_) => true,
        StmtKind::Block(b) => block_returns(b),
        StmtKind::If { then, els: Some(els), .. } => {
            block_returns(then)
                && match els {
                    Else::Block(b) => block_returns(b),
                    Else::If(s) => stmt_returns(s),
                }
        }
        _ => false,
    }
}

/// The first `return value;` in a body, if any.
pub fn first_value_return(b: &Block) -> Option<&Expr> {
    b.stmts.iter().find_map(|s| match &s.kind {
        StmtKind::Return(Some(e)) => Some(e),
        StmtKind::Block(b) | StmtKind::While { body: b, .. } | StmtKind::For { body: b, .. } => {
            first_value_return(b)
        }
        StmtKind::If { then, els, .. } => first_value_return(then).or_else(|| match els {
            Some(Else::Block(b)) => first_value_return(b),
            Some(Else::If(s)) => first_value_return_stmt(s),
            None => None,
        }),
        _ => None,
    })
}

fn first_value_return_stmt(s: &Stmt) -> Option<&Expr> {
    match &s.kind {
        StmtKind::If { then, els, .. } => first_value_return(then).or_else(|| match els {
            Some(Else::Block(b)) => first_value_return(b),
            Some(Else::If(s)) => first_value_return_stmt(s),
            None => None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_diag::FileId;
    use tern_syntax::ast::Item;

    fn body(src: &str) -> Block {
        let m = tern_syntax::parse(FileId(0), src).unwrap();
        match m.items.into_iter().next() {
            Some(Item::Fn(f)) => f.body,
            _ => panic!("expected a function"),
        }
    }

    #[test]
    fn if_else_chains_and_loops() {
        assert!(block_returns(&body("fn f(x) { if x { return 1; } else { return 2; } }")));
        assert!(!block_returns(&body("fn f(x) { if x { return 1; } }")));
        assert!(block_returns(&body(
            "fn f(x) { if x { return 1; } else if !x { return 2; } else { return 3; } }"
        )));
        assert!(!block_returns(&body("fn f(x) { if x { return 1; } else if !x { return 2; } }")));
        assert!(!block_returns(&body("fn f(x) { while x { return 1; } }")));
        assert!(!block_returns(&body("fn f(x) { while true { if x { return 1; } } }")));
        assert!(block_returns(&body("fn f(x) { { return 1; } }")));
        assert!(first_value_return(&body("fn f(x) { for i in 0..3 { if x { return i; } } }")).is_some());
        assert!(first_value_return(&body("fn f(x) { return; }")).is_none());
    }
}
