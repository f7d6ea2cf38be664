//! Integer expression trees exported by the glue ([`ExprTree`]): evaluation with Halide's
//! semantics, affine forms (the fast path for footprints), and derivatives (load Jacobians).
//!
//! Halide's integer semantics: division and modulo are Euclidean (the remainder is never
//! negative, so division rounds toward negative infinity for positive divisors), and division
//! or modulo by zero gives zero.

use crate::bridge::ffi::{ExprNode, ExprOp, ExprTree};

/// Halide's integer division: Euclidean, so it rounds toward negative infinity for a positive
/// divisor and `a == (a / b) * b + a % b` with a non-negative remainder; x / 0 = 0.
pub fn halide_div(a: i64, b: i64) -> i64 {
    if b == 0 {
        0
    } else {
        a.div_euclid(b)
    }
}

/// Halide's integer modulo: Euclidean, the result is in [0, |b|); x % 0 = 0.
pub fn halide_mod(a: i64, b: i64) -> i64 {
    if b == 0 {
        0
    } else {
        a.rem_euclid(b)
    }
}

/// Why a tree could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// The tree contains an Opaque node.
    Opaque,
    /// A symbol number outside the values given.
    UnknownSymbol(i64),
    /// The tree is empty or a child index is out of range.
    Malformed,
}

fn node(tree: &ExprTree, index: i32) -> Result<&ExprNode, EvalError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| tree.nodes.get(i))
        .ok_or(EvalError::Malformed)
}

/// Evaluates the tree with symbol `i` bound to `symbols[i]`.
pub fn eval(tree: &ExprTree, symbols: &[i64]) -> Result<i64, EvalError> {
    let root = tree.nodes.len() as i32 - 1;
    eval_node(tree, root, symbols)
}

fn eval_node(tree: &ExprTree, index: i32, symbols: &[i64]) -> Result<i64, EvalError> {
    let n = node(tree, index)?;
    let a = || eval_node(tree, n.a, symbols);
    let b = || eval_node(tree, n.b, symbols);
    let bool_of = |v: bool| v as i64;
    Ok(match n.op {
        ExprOp::Const => n.value,
        ExprOp::Symbol => *usize::try_from(n.value)
            .ok()
            .and_then(|i| symbols.get(i))
            .ok_or(EvalError::UnknownSymbol(n.value))?,
        ExprOp::Add => a()?.wrapping_add(b()?),
        ExprOp::Sub => a()?.wrapping_sub(b()?),
        ExprOp::Mul => a()?.wrapping_mul(b()?),
        ExprOp::Div => halide_div(a()?, b()?),
        ExprOp::Mod => halide_mod(a()?, b()?),
        ExprOp::Min => a()?.min(b()?),
        ExprOp::Max => a()?.max(b()?),
        ExprOp::Select => {
            if a()? != 0 {
                b()?
            } else {
                eval_node(tree, n.c, symbols)?
            }
        }
        ExprOp::Lt => bool_of(a()? < b()?),
        ExprOp::Le => bool_of(a()? <= b()?),
        ExprOp::Eq => bool_of(a()? == b()?),
        ExprOp::Ne => bool_of(a()? != b()?),
        ExprOp::And => bool_of(a()? != 0 && b()? != 0),
        ExprOp::Or => bool_of(a()? != 0 || b()? != 0),
        ExprOp::Not => bool_of(a()? == 0),
        _ => return Err(EvalError::Opaque),
    })
}

/// `constant + Σ coeff·symbol`, with at most a few terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AffineForm {
    /// (symbol, coefficient) pairs, symbols distinct, coefficients non-zero, sorted by symbol.
    pub terms: Vec<(i64, i64)>,
    pub constant: i64,
}

impl AffineForm {
    fn constant(c: i64) -> Self {
        AffineForm {
            terms: Vec::new(),
            constant: c,
        }
    }

    fn add_scaled(mut self, other: &AffineForm, scale: i64) -> Self {
        self.constant += other.constant * scale;
        for &(s, c) in &other.terms {
            match self.terms.iter_mut().find(|(t, _)| *t == s) {
                Some(term) => term.1 += c * scale,
                None => self.terms.push((s, c * scale)),
            }
        }
        self.terms.retain(|&(_, c)| c != 0);
        self.terms.sort_unstable();
        self
    }

    /// Evaluates the form; symbols out of range evaluate as an error like [`eval`].
    pub fn eval(&self, symbols: &[i64]) -> Result<i64, EvalError> {
        let mut v = self.constant;
        for &(s, c) in &self.terms {
            let x = usize::try_from(s)
                .ok()
                .and_then(|i| symbols.get(i))
                .ok_or(EvalError::UnknownSymbol(s))?;
            v += c * x;
        }
        Ok(v)
    }
}

/// The affine form of the tree, if it is one (constants, symbols, +, −, × by a constant).
pub fn affine(tree: &ExprTree) -> Option<AffineForm> {
    affine_node(tree, tree.nodes.len() as i32 - 1)
}

fn affine_node(tree: &ExprTree, index: i32) -> Option<AffineForm> {
    let n = node(tree, index).ok()?;
    match n.op {
        ExprOp::Const => Some(AffineForm::constant(n.value)),
        ExprOp::Symbol => Some(AffineForm {
            terms: vec![(n.value, 1)],
            constant: 0,
        }),
        ExprOp::Add | ExprOp::Sub => {
            let a = affine_node(tree, n.a)?;
            let b = affine_node(tree, n.b)?;
            Some(a.add_scaled(&b, if n.op == ExprOp::Add { 1 } else { -1 }))
        }
        ExprOp::Mul => {
            let a = affine_node(tree, n.a)?;
            let b = affine_node(tree, n.b)?;
            if a.terms.is_empty() {
                Some(AffineForm::constant(0).add_scaled(&b, a.constant))
            } else if b.terms.is_empty() {
                Some(AffineForm::constant(0).add_scaled(&a, b.constant))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// An exact rational number, kept reduced with a positive denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rational {
    pub num: i64,
    pub den: i64,
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

impl Rational {
    pub const ZERO: Rational = Rational { num: 0, den: 1 };
    pub const ONE: Rational = Rational { num: 1, den: 1 };

    /// `num / den`, reduced; `den` must be non-zero.
    pub fn new(num: i64, den: i64) -> Rational {
        let g = gcd(num, den).max(1);
        let sign = if den < 0 { -1 } else { 1 };
        Rational {
            num: sign * num / g,
            den: sign * den / g,
        }
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    pub fn add(self, o: Rational) -> Rational {
        Rational::new(self.num * o.den + o.num * self.den, self.den * o.den)
    }

    pub fn mul(self, o: Rational) -> Rational {
        self.scale(o.num, o.den)
    }

    fn scale(self, num: i64, den: i64) -> Rational {
        Rational::new(self.num * num, self.den * den)
    }
}

/// The derivative of the tree with respect to `symbol`, when it is a known constant: exact for
/// affine arithmetic and for division by a constant (d(x/2)/dx = 1/2, the average slope), zero
/// for any sub-tree not involving the symbol, the clamped value's slope for a min/max against a
/// bound that does not involve it (the steady state), unknown (`None`) for anything
/// data-dependent.
pub fn derivative(tree: &ExprTree, symbol: i64) -> Option<Rational> {
    derivative_node(tree, tree.nodes.len() as i32 - 1, symbol)
}

fn depends_on(tree: &ExprTree, index: i32, symbol: i64) -> bool {
    let Ok(n) = node(tree, index) else {
        return true;
    };
    match n.op {
        ExprOp::Const => false,
        ExprOp::Symbol => n.value == symbol,
        ExprOp::Opaque => true,
        _ => [n.a, n.b, n.c]
            .iter()
            .any(|&child| child >= 0 && depends_on(tree, child, symbol)),
    }
}

fn depends_on_any_symbol(tree: &ExprTree, index: i32) -> bool {
    let Ok(n) = node(tree, index) else {
        return true;
    };
    match n.op {
        ExprOp::Const => false,
        ExprOp::Symbol | ExprOp::Opaque => true,
        _ => [n.a, n.b, n.c]
            .iter()
            .any(|&child| child >= 0 && depends_on_any_symbol(tree, child)),
    }
}

fn constant_of(tree: &ExprTree, index: i32) -> Option<i64> {
    if depends_on_any_symbol(tree, index) {
        return None;
    }
    eval_node(tree, index, &[]).ok()
}

fn derivative_node(tree: &ExprTree, index: i32, symbol: i64) -> Option<Rational> {
    if !depends_on(tree, index, symbol) {
        return Some(Rational::ZERO);
    }
    let n = node(tree, index).ok()?;
    match n.op {
        ExprOp::Symbol => Some(Rational::ONE),
        ExprOp::Add => {
            Some(derivative_node(tree, n.a, symbol)?.add(derivative_node(tree, n.b, symbol)?))
        }
        ExprOp::Sub => Some(
            derivative_node(tree, n.a, symbol)?
                .add(derivative_node(tree, n.b, symbol)?.scale(-1, 1)),
        ),
        ExprOp::Mul => {
            if let Some(c) = constant_of(tree, n.a) {
                Some(derivative_node(tree, n.b, symbol)?.scale(c, 1))
            } else {
                let c = constant_of(tree, n.b)?;
                Some(derivative_node(tree, n.a, symbol)?.scale(c, 1))
            }
        }
        ExprOp::Div => {
            let c = constant_of(tree, n.b)?;
            if c == 0 {
                return None;
            }
            Some(derivative_node(tree, n.a, symbol)?.scale(1, c))
        }
        // A clamp against a bound that does not move with the symbol is inactive in the steady
        // state (Halide partitions such loops so the interior runs without it): the slope is
        // the clamped value's.
        ExprOp::Min | ExprOp::Max => {
            if !depends_on(tree, n.b, symbol) {
                derivative_node(tree, n.a, symbol)
            } else if !depends_on(tree, n.a, symbol) {
                derivative_node(tree, n.b, symbol)
            } else {
                let a = derivative_node(tree, n.a, symbol)?;
                (derivative_node(tree, n.b, symbol)? == a).then_some(a)
            }
        }
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Small builder for trees in tests.
    #[derive(Default)]
    pub struct TreeBuilder {
        pub tree: ExprTree,
    }

    impl TreeBuilder {
        pub fn push(&mut self, op: ExprOp, a: i32, b: i32, value: i64) -> i32 {
            self.tree.nodes.push(ExprNode {
                op,
                a,
                b,
                c: -1,
                value,
            });
            self.tree.nodes.len() as i32 - 1
        }
        pub fn constant(&mut self, v: i64) -> i32 {
            self.push(ExprOp::Const, -1, -1, v)
        }
        pub fn symbol(&mut self, s: i64) -> i32 {
            self.push(ExprOp::Symbol, -1, -1, s)
        }
        pub fn bin(&mut self, op: ExprOp, a: i32, b: i32) -> i32 {
            self.push(op, a, b, 0)
        }
    }

    #[test]
    fn division_rounds_toward_negative_infinity() {
        assert_eq!(halide_div(7, 2), 3);
        assert_eq!(halide_div(-7, 2), -4);
        assert_eq!(halide_div(7, -2), -3);
        assert_eq!(halide_div(-7, -2), 4);
        assert_eq!(halide_div(5, 0), 0);
    }

    #[test]
    fn modulo_is_euclidean() {
        assert_eq!(halide_mod(-7, 3), 2);
        assert_eq!(halide_mod(7, -3), 1);
        assert_eq!(halide_mod(7, 0), 0);
    }

    #[test]
    fn affine_form_of_two_x_plus_three() {
        let mut t = TreeBuilder::default();
        let two = t.constant(2);
        let x = t.symbol(0);
        let mul = t.bin(ExprOp::Mul, two, x);
        let three = t.constant(3);
        t.bin(ExprOp::Add, mul, three);
        let form = affine(&t.tree).unwrap();
        assert_eq!(
            form,
            AffineForm {
                terms: vec![(0, 2)],
                constant: 3
            }
        );
        assert_eq!(eval(&t.tree, &[5]).unwrap(), 13);
    }

    #[test]
    fn derivative_of_half_x_is_one_half() {
        let mut t = TreeBuilder::default();
        let x = t.symbol(1);
        let two = t.constant(2);
        t.bin(ExprOp::Div, x, two);
        assert_eq!(derivative(&t.tree, 1), Some(Rational::new(1, 2)));
        assert_eq!(derivative(&t.tree, 0), Some(Rational::ZERO));
    }

    #[test]
    fn clamp_to_a_fixed_range_keeps_the_slope() {
        let mut t = TreeBuilder::default();
        let x = t.symbol(0);
        let one = t.constant(1);
        let shifted = t.bin(ExprOp::Add, x, one);
        let hi = t.constant(99);
        let clamped = t.bin(ExprOp::Min, shifted, hi);
        let lo = t.constant(0);
        t.bin(ExprOp::Max, clamped, lo);
        assert_eq!(derivative(&t.tree, 0), Some(Rational::ONE));
    }

    #[test]
    fn opaque_index_has_unknown_derivative() {
        let mut t = TreeBuilder::default();
        let x = t.symbol(0);
        let o = t.push(ExprOp::Opaque, -1, -1, 0);
        t.bin(ExprOp::Add, x, o);
        assert_eq!(derivative(&t.tree, 0), None);
        assert_eq!(eval(&t.tree, &[1]), Err(EvalError::Opaque));
    }
}
