//! Single-row RLS kernels on plain slices, with caller-owned scratch (no allocation).
//!
//! Packed symmetric storage: the upper triangle of a K×K matrix stored row by row,
//! element (a, b), a ≤ b, at [`packed_index`]`(K, a, b)`; length K(K+1)/2.
//!
//! # Deferred (Woodbury-form) downdates
//!
//! The production kernel keeps up to m rank-1 downdates *pending* instead of writing them into P at once:
//! the true matrix is
//!
//! ```text
//! P_t = P − Σ_{j<n} c_j q_j q_jᵀ        (n ≤ m pending terms, applied in the order j = 0, 1, …)
//! ```
//!
//! and the product needed by the next RLS step is formed without touching P's storage,
//!
//! ```text
//! P_t x = P x − Σ_j c_j q_j (q_jᵀ x),
//! ```
//!
//! so a step with pending room only *reads* P (K(K+1)/2 values). When m terms are pending, one fused pass
//! ([`packed_materialise_product`]) writes all of them into P, element by element in the order j = 0..m
//! (exactly the rounding of applying the m downdates one after the other, as the reference does), and forms
//! the product with the updated elements. Over m steps P is therefore read m times and written once, instead
//! of read and written m times.
//!
//! # Summation order
//!
//! Every reduction uses [`LANES`] = 16 interleaved partial sums (two 8-lane vectors over blocks of 16
//! elements, one more 8-block into the first), the two vectors added lane-wise and summed by the fixed tree
//! ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)), then the last < 8 terms in order. The kernels are generic over an
//! 8-lane vector type with a portable implementation (arrays) and AVX2 / AVX-512F ones selected at run time
//! ([`isa`]); every operation is lane-wise IEEE arithmetic without FMA contraction, so results are
//! bit-identical on every instruction set, and for any thread count (rows are independent).
//!
//! A software prefetch [`PREFETCH_DIST`] f64 elements (8 KiB) ahead keeps enough of the P stream in flight.
//!
//! # f32 storage (`Kernel::PackedF32`)
//!
//! The same kernels run on P stored as f32 (the `_f32` functions): every stored element is widened exactly
//! to f64 when it is loaded, all arithmetic (the pending downdates, the product, the reductions, q, c, w) is
//! the f64 arithmetic above in the same order, and every element written back is rounded to f32 (IEEE round
//! to nearest, ties to even). Each call therefore computes, bit for bit, what the f64 kernel computes on the
//! widened matrix, and then stores the updated matrix rounded:
//!
//! ```text
//! P̂   = wide(P) − Σ_j c_j q_j q_jᵀ     (f64, elementwise, j in order),
//! y   = P̂ x                           (f64; the unrounded P̂, exactly as the f64 fused pass forms it),
//! P  ← fl32(P̂)                        (one rounding per element per write).
//! ```
//!
//! With the default m = 1 P is rounded after every update, and the next step's product starts from the
//! rounded matrix; with m > 1 the m pending downdates are applied in f64 and the result is rounded once
//! every m steps (once per group of 8 downdates when m > 8; the Woodbury-form products in between use the
//! stored f32 P and f64 corrections). P moves half the bytes of the f64 kernel; the conversions are exact or
//! correctly rounded lane-wise, so results stay bit-identical on every instruction set and thread count.

use crate::simd::{F8, Isa, Portable, prefetch};
use std::marker::PhantomData;

/// Storage type of the packed P values: f64 (exact) or f32 (rounded on every store). All arithmetic is
/// f64 whatever the storage.
pub(crate) trait Elem: Copy + Send + Sync + 'static {
    /// Exact widening to f64.
    fn get(self) -> f64;
    /// Round an f64 to the storage type (f64: identity; f32: round to nearest, ties to even).
    fn put(v: f64) -> Self;
    /// 8 lanes from storage, widened to f64.
    fn vload<V: F8>(s: &[Self]) -> V;
    /// Store 8 lanes rounded to the storage type.
    fn vstore<V: F8>(v: V, s: &mut [Self]);
}

impl Elem for f64 {
    #[inline(always)]
    fn get(self) -> f64 {
        self
    }
    #[inline(always)]
    fn put(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn vload<V: F8>(s: &[Self]) -> V {
        V::load(s)
    }
    #[inline(always)]
    fn vstore<V: F8>(v: V, s: &mut [Self]) {
        v.store(s)
    }
}

impl Elem for f32 {
    #[inline(always)]
    fn get(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn put(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn vload<V: F8>(s: &[Self]) -> V {
        V::load_f32(s)
    }
    #[inline(always)]
    fn vstore<V: F8>(v: V, s: &mut [Self]) {
        v.store_f32(s)
    }
}

/// Prefetch cursor over a P stream: before row a is processed, every cache line up to
/// (end of row a) + 8 KiB ([`PREFETCH_DIST`] f64 elements) has been requested exactly once (lines past the
/// end of this matrix belong to the next row's matrix, which the bank stores right after it).
struct Prefetcher<S> {
    base: *const u8,
    /// Next byte offset to request.
    next: usize,
    _s: PhantomData<S>,
}

impl<S> Prefetcher<S> {
    #[inline(always)]
    fn new(p: &[S]) -> Self {
        Prefetcher {
            base: p.as_ptr() as *const u8,
            next: 0,
            _s: PhantomData,
        }
    }
    /// Request the lines up to element `upto` plus [`PREFETCH_DIST`] · 8 bytes.
    #[inline(always)]
    fn advance(&mut self, upto: usize) {
        let target = upto * std::mem::size_of::<S>() + PREFETCH_DIST * 8;
        while self.next < target {
            prefetch(self.base.wrapping_add(self.next));
            self.next += 64;
        }
    }
}

/// Number of interleaved partial sums in every reduction: two 8-lane accumulators (fixed, so results do
/// not depend on the CPU).
pub const LANES: usize = 16;

/// Software prefetch distance in f64 elements (8 KiB ahead of the P stream, into L2; the f32 kernel uses
/// the same 8 KiB, i.e. twice as many elements). On the development
/// VM the hardware prefetchers alone left the sweep at about half the stream bandwidth; prefetching
/// 2–8 KiB ahead roughly doubled it, 8 KiB with the L2 hint being the best of the settings tried
/// (`rls-bench`, crate README).
pub const PREFETCH_DIST: usize = 1024;

/// Offset of element (a, b), a ≤ b, in packed upper storage of a K×K symmetric matrix.
#[inline]
pub fn packed_index(k: usize, a: usize, b: usize) -> usize {
    debug_assert!(a <= b && b < k);
    a * (2 * k + 1 - a) / 2 + (b - a)
}

/// Length of packed upper storage for a K×K matrix.
#[inline]
pub fn packed_len(k: usize) -> usize {
    k * (k + 1) / 2
}

/// Dense reference step on a full row-major K×K matrix `p`:
/// q = P x; c = 1/(1 + xᵀq); P ← P − c q qᵀ. Returns c and leaves q in `q`.
///
/// Deliberately plain (one accumulator, two passes): the obviously correct version the fast kernels are
/// tested against.
pub fn dense_update(p: &mut [f64], x: &[f64], q: &mut [f64]) -> f64 {
    let k = x.len();
    for a in 0..k {
        let row = &p[a * k..(a + 1) * k];
        q[a] = row.iter().zip(x).map(|(pa, xb)| pa * xb).sum();
    }
    let c = 1.0 / (1.0 + x.iter().zip(q.iter()).map(|(a, b)| a * b).sum::<f64>());
    for a in 0..k {
        let qa = c * q[a];
        let row = &mut p[a * k..(a + 1) * k];
        for (pab, qb) in row.iter_mut().zip(q.iter()) {
            *pab -= qa * qb;
        }
    }
    c
}

/// Σ a_i b_i in the kernels' fixed order: [`LANES`] interleaved partial sums over blocks of 16, one more
/// 8-block into the first accumulator, the accumulators added lane-wise and summed by a fixed tree, then
/// the last < 8 terms in order.
#[inline(always)]
pub(crate) fn dot_v<V: F8>(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (mut a0, mut a1) = (V::zero(), V::zero());
    let mut o = 0;
    while o + 16 <= n {
        a0 = a0.add(V::load(&a[o..]).mul(V::load(&b[o..])));
        a1 = a1.add(V::load(&a[o + 8..]).mul(V::load(&b[o + 8..])));
        o += 16;
    }
    if o + 8 <= n {
        a0 = a0.add(V::load(&a[o..]).mul(V::load(&b[o..])));
        o += 8;
    }
    let mut s = a0.add(a1).sum();
    for i in o..n {
        s += a[i] * b[i];
    }
    s
}

/// Dot product Σ a_i b_i in the kernels' fixed summation order (over the shorter length).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    dot_v::<Portable>(a, b)
}

/// y ← y − α v, element-wise.
#[inline(always)]
fn axpy_neg_v<V: F8>(y: &mut [f64], alpha: f64, v: &[f64]) {
    let n = y.len().min(v.len());
    let al = V::splat(alpha);
    let mut o = 0;
    while o + 8 <= n {
        V::load(&y[o..])
            .sub(al.mul(V::load(&v[o..])))
            .store(&mut y[o..]);
        o += 8;
    }
    for i in o..n {
        y[i] -= alpha * v[i];
    }
}

/// 8 elements at offset o of a row: v = P − Σ_j s_j q_j (stored back, rounded to the storage type, if
/// WRITE), y += v x_a, returns acc + v x (with the unrounded v).
#[inline(always)]
fn block<S: Elem, V: F8, const NP: usize, const WRITE: bool>(
    row: &mut [S],
    sv: &[V; NP],
    qs: &[&[f64]; NP],
    x: &[f64],
    xav: V,
    y: &mut [f64],
    o: usize,
    acc: V,
) -> V {
    let mut v = S::vload::<V>(&row[o..]);
    for j in 0..NP {
        v = v.sub(sv[j].mul(V::load(&qs[j][o..])));
    }
    if WRITE {
        S::vstore(v, &mut row[o..]);
    }
    V::load(&y[o..]).add(v.mul(xav)).store(&mut y[o..]);
    acc.add(v.mul(V::load(&x[o..])))
}

/// Read-only version of [`block`] (no pending terms).
#[inline(always)]
fn block_ro<S: Elem, V: F8>(row: &[S], x: &[f64], xav: V, y: &mut [f64], o: usize, acc: V) -> V {
    let v = S::vload::<V>(&row[o..]);
    V::load(&y[o..]).add(v.mul(xav)).store(&mut y[o..]);
    acc.add(v.mul(V::load(&x[o..])))
}

/// One packed row's off-diagonal product with NP pending downdates written into it first:
/// P_ab ← P_ab − Σ_j s_j q_j[b] (j in order; NP = 0: read only), then returns Σ_b P_ab x_b and adds
/// P_ab x_a to y_b. `row`, `x`, `y`, `qs[j]` all start at column a + 1; `s[j]` = c_j q_j[a].
#[inline(always)]
fn row_kernel<S: Elem, V: F8, const NP: usize, const WRITE: bool>(
    row: &mut [S],
    s: &[f64; NP],
    qs: &[&[f64]; NP],
    x: &[f64],
    xa: f64,
    y: &mut [f64],
) -> f64 {
    let n = row.len();
    let (x, y) = (&x[..n], &mut y[..n]);
    let qs: [&[f64]; NP] = std::array::from_fn(|j| &qs[j][..n]);
    let sv: [V; NP] = std::array::from_fn(|j| V::splat(s[j]));
    let xav = V::splat(xa);
    let (mut a0, mut a1) = (V::zero(), V::zero());
    let mut o = 0;
    while o + 16 <= n {
        a0 = block::<S, V, NP, WRITE>(row, &sv, &qs, x, xav, y, o, a0);
        a1 = block::<S, V, NP, WRITE>(row, &sv, &qs, x, xav, y, o + 8, a1);
        o += 16;
    }
    if o + 8 <= n {
        a0 = block::<S, V, NP, WRITE>(row, &sv, &qs, x, xav, y, o, a0);
        o += 8;
    }
    let mut sum = a0.add(a1).sum();
    for b in o..n {
        let mut v = row[b].get();
        for j in 0..NP {
            v -= s[j] * qs[j][b];
        }
        if WRITE {
            row[b] = S::put(v);
        }
        sum += v * x[b];
        y[b] += v * xa;
    }
    sum
}

/// One pass over packed P writing NP pending downdates, P ← P − Σ_j c_j q_j q_jᵀ (element by element, j in
/// order, stored rounded to the storage type), and forming y = P x with the updated P as computed in f64
/// (before the storage rounding; WRITE = false computes the same y without storing P).
///
/// Row a contributes its diagonal and Σ_{b>a} P_ab x_b to y_a and P_ab x_a to every y_b, b > a, so each
/// stored element is read once and used twice.
#[inline(always)]
fn pass<S: Elem, V: F8, const NP: usize, const WRITE: bool>(
    p: &mut [S],
    c: &[f64],
    q: &[f64],
    x: &[f64],
    y: &mut [f64],
) {
    let k = x.len();
    assert_eq!(p.len(), packed_len(k), "packed P has the wrong length");
    assert!(c.len() >= NP && q.len() >= NP * k, "pending terms missing");
    let y = &mut y[..k];
    y.iter_mut().for_each(|v| *v = 0.0);
    let qj: [&[f64]; NP] = std::array::from_fn(|j| &q[j * k..(j + 1) * k]);
    let mut pf = Prefetcher::new(p);
    let mut off = 0;
    for a in 0..k {
        let len = k - a;
        pf.advance(off + len);
        let row = &mut p[off..off + len];
        let s: [f64; NP] = std::array::from_fn(|j| c[j] * qj[j][a]);
        let mut d = row[0].get();
        for j in 0..NP {
            d -= s[j] * qj[j][a];
        }
        if WRITE {
            row[0] = S::put(d);
        }
        let xa = x[a];
        let qt: [&[f64]; NP] = std::array::from_fn(|j| &qj[j][a + 1..]);
        let (head, tail) = y.split_at_mut(a + 1);
        let sum = row_kernel::<S, V, NP, WRITE>(&mut row[1..], &s, &qt, &x[a + 1..], xa, tail);
        head[a] += d * xa + sum;
        off += len;
    }
}

/// Read-only pass: y = P x for packed P (P is not written; the same arithmetic as [`pass`] with no
/// pending terms).
#[inline(always)]
fn product_v<S: Elem, V: F8>(p: &[S], x: &[f64], y: &mut [f64]) {
    let k = x.len();
    assert_eq!(p.len(), packed_len(k), "packed P has the wrong length");
    let y = &mut y[..k];
    y.iter_mut().for_each(|v| *v = 0.0);
    let xk = &x[..k];
    let mut pf = Prefetcher::new(p);
    let mut off = 0;
    for a in 0..k {
        let len = k - a;
        pf.advance(off + len);
        let row = &p[off..off + len];
        let xa = xk[a];
        let (head, tail) = y.split_at_mut(a + 1);
        let sum = row_ro::<S, V>(&row[1..], &xk[a + 1..], xa, tail);
        head[a] += row[0].get() * xa + sum;
        off += len;
    }
}

/// Read-only row kernel (the arithmetic of [`row_kernel`] with NP = 0, on a shared slice).
#[inline(always)]
fn row_ro<S: Elem, V: F8>(row: &[S], x: &[f64], xa: f64, y: &mut [f64]) -> f64 {
    let n = row.len();
    let (x, y) = (&x[..n], &mut y[..n]);
    let xav = V::splat(xa);
    let (mut a0, mut a1) = (V::zero(), V::zero());
    let mut o = 0;
    while o + 16 <= n {
        a0 = block_ro(row, x, xav, y, o, a0);
        a1 = block_ro(row, x, xav, y, o + 8, a1);
        o += 16;
    }
    if o + 8 <= n {
        a0 = block_ro(row, x, xav, y, o, a0);
        o += 8;
    }
    let mut sum = a0.add(a1).sum();
    for b in o..n {
        let v = row[b].get();
        sum += v * x[b];
        y[b] += v * xa;
    }
    sum
}

/// Woodbury-form product: y = P x − Σ_j c_j q_j (q_jᵀ x), j in order (P not written).
#[inline(always)]
pub(crate) fn deferred_product_v<S: Elem, V: F8>(
    p: &[S],
    c: &[f64],
    q: &[f64],
    x: &[f64],
    y: &mut [f64],
) {
    let k = x.len();
    product_v::<S, V>(p, x, y);
    for (j, &cj) in c.iter().enumerate() {
        let qj = &q[j * k..(j + 1) * k];
        let alpha = cj * dot_v::<V>(qj, x);
        axpy_neg_v::<V>(&mut y[..k], alpha, qj);
    }
}

/// Materialising pass, dispatched on the number of pending terms (unrolled up to 8; more are first
/// written in groups of 8 without a product — the per-element order of subtractions stays j = 0, 1, …).
#[inline(always)]
pub(crate) fn materialise_product_v<S: Elem, V: F8>(
    p: &mut [S],
    c: &[f64],
    q: &[f64],
    x: &[f64],
    y: &mut [f64],
) {
    let k = x.len();
    let mut j = 0;
    while c.len() - j > 8 {
        pass::<S, V, 8, true>(p, &c[j..j + 8], &q[j * k..(j + 8) * k], x, y);
        j += 8;
    }
    let (c, q) = (&c[j..], &q[j * k..]);
    match c.len() {
        0 => product_v::<S, V>(p, x, y),
        1 => pass::<S, V, 1, true>(p, c, q, x, y),
        2 => pass::<S, V, 2, true>(p, c, q, x, y),
        3 => pass::<S, V, 3, true>(p, c, q, x, y),
        4 => pass::<S, V, 4, true>(p, c, q, x, y),
        5 => pass::<S, V, 5, true>(p, c, q, x, y),
        6 => pass::<S, V, 6, true>(p, c, q, x, y),
        7 => pass::<S, V, 7, true>(p, c, q, x, y),
        _ => pass::<S, V, 8, true>(p, c, q, x, y),
    }
}

/// Read-only product with the pending terms as corrections:
/// y = P x − Σ_j c_j q_j (q_jᵀ x), j = 0..n in order (P_t x in Woodbury form; P is not written).
///
/// `c` holds the n pending coefficients, `q` the n pending vectors back to back (n·K values).
pub fn packed_deferred_product(p: &[f64], c: &[f64], q: &[f64], x: &[f64], y: &mut [f64]) {
    dispatch::deferred_product(p, c, q, x, y)
}

/// Fused materialising pass: P ← P − Σ_j c_j q_j q_jᵀ (element by element, j = 0..n in order, i.e. the
/// rounding of n successive rank-1 downdates), then y = P x with the updated P, in one pass over P.
pub fn packed_materialise_product(p: &mut [f64], c: &[f64], q: &[f64], x: &[f64], y: &mut [f64]) {
    dispatch::materialise_product(p, c, q, x, y)
}

/// [`packed_deferred_product`] with P stored in f32: y = P x − Σ_j c_j q_j (q_jᵀ x), every stored element
/// widened exactly to f64 and all arithmetic in f64, in the same order as the f64 kernel (so the result
/// equals the f64 kernel applied to the widened matrix, bit for bit).
pub fn packed_deferred_product_f32(p: &[f32], c: &[f64], q: &[f64], x: &[f64], y: &mut [f64]) {
    dispatch::deferred_product(p, c, q, x, y)
}

/// [`packed_materialise_product`] with P stored in f32: each element is widened to f64, the n pending
/// downdates are subtracted in f64 (j = 0..n in order) giving P̂, y = P̂ x is formed in f64 exactly as
/// [`packed_materialise_product`] forms it on the widened matrix (bit for bit), and P ← fl32(P̂) is stored
/// (round to nearest, ties to even). One pass over P (4 bytes read and 4 written per element).
pub fn packed_materialise_product_f32(
    p: &mut [f32],
    c: &[f64],
    q: &[f64],
    x: &[f64],
    y: &mut [f64],
) {
    dispatch::materialise_product(p, c, q, x, y)
}

/// Entry points generic over the storage type (the tests call these; the bank runs the generic kernels
/// inside its own dispatch, [`with_isa`]).
#[cfg(test)]
pub(crate) fn deferred_product_s<S: Elem>(p: &[S], c: &[f64], q: &[f64], x: &[f64], y: &mut [f64]) {
    dispatch::deferred_product(p, c, q, x, y)
}

/// See [`deferred_product_s`].
#[cfg(test)]
pub(crate) fn materialise_product_s<S: Elem>(
    p: &mut [S],
    c: &[f64],
    q: &[f64],
    x: &[f64],
    y: &mut [f64],
) {
    dispatch::materialise_product(p, c, q, x, y)
}

/// Work generic over the 8-lane vector type, run with the best instruction set by [`with_isa`].
pub(crate) trait VecTask {
    /// Run with vector type `V`. Implementations mark this `#[inline(always)]` (and everything it calls
    /// that does vector work), so it is compiled inside the instruction-set-specific entry point.
    fn run<V: F8>(self);
}

/// Tests only: when set, [`with_isa`] runs the portable instantiation whatever the CPU (global, so it also
/// reaches rayon workers; harmless to concurrent tests, since every instantiation gives the same bits).
#[cfg(test)]
pub(crate) static FORCE_PORTABLE: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Run `task` with the vector type of the instruction set [`isa`] selects (one dispatch per call; the
/// work inside is instantiated with AVX-512F, AVX2 or portable vectors and gives the same bits on each).
pub(crate) fn with_isa<T: VecTask>(task: T) {
    dispatch::task(task)
}

/// Run-time dispatch: the generic kernels instantiated with AVX-512F / AVX2 vectors inside functions
/// compiled for those features, entered only when the CPU has them. Only the vector width changes, never
/// the order of operations, so every path gives identical bits.
mod dispatch {
    use super::{Elem, Isa, Portable, deferred_product_v, materialise_product_v};

    #[cfg(target_arch = "x86_64")]
    mod x86 {
        use super::super::{Elem, VecTask, deferred_product_v, materialise_product_v};
        use crate::simd::{Avx2, Avx512};

        #[target_feature(enable = "avx512f")]
        pub fn task_avx512<T: VecTask>(t: T) {
            t.run::<Avx512>()
        }
        #[target_feature(enable = "avx2")]
        pub fn task_avx2<T: VecTask>(t: T) {
            t.run::<Avx2>()
        }

        #[target_feature(enable = "avx512f")]
        pub fn deferred_avx512<S: Elem>(p: &[S], c: &[f64], q: &[f64], x: &[f64], y: &mut [f64]) {
            deferred_product_v::<S, Avx512>(p, c, q, x, y)
        }
        #[target_feature(enable = "avx2")]
        pub fn deferred_avx2<S: Elem>(p: &[S], c: &[f64], q: &[f64], x: &[f64], y: &mut [f64]) {
            deferred_product_v::<S, Avx2>(p, c, q, x, y)
        }
        #[target_feature(enable = "avx512f")]
        pub fn materialise_avx512<S: Elem>(
            p: &mut [S],
            c: &[f64],
            q: &[f64],
            x: &[f64],
            y: &mut [f64],
        ) {
            materialise_product_v::<S, Avx512>(p, c, q, x, y)
        }
        #[target_feature(enable = "avx2")]
        pub fn materialise_avx2<S: Elem>(
            p: &mut [S],
            c: &[f64],
            q: &[f64],
            x: &[f64],
            y: &mut [f64],
        ) {
            materialise_product_v::<S, Avx2>(p, c, q, x, y)
        }
    }

    pub fn task<T: super::VecTask>(t: T) {
        #[cfg(test)]
        if super::FORCE_PORTABLE.load(std::sync::atomic::Ordering::Relaxed) {
            return t.run::<Portable>();
        }
        match Isa::detect() {
            // SAFETY: detect() returns Avx512/Avx2 only after run-time detection of the feature.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { x86::task_avx512(t) },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { x86::task_avx2(t) },
            Isa::Portable => t.run::<Portable>(),
        }
    }

    pub fn deferred_product<S: Elem>(p: &[S], c: &[f64], q: &[f64], x: &[f64], y: &mut [f64]) {
        match Isa::detect() {
            // SAFETY: detect() returns Avx512/Avx2 only after run-time detection of the feature.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { x86::deferred_avx512(p, c, q, x, y) },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { x86::deferred_avx2(p, c, q, x, y) },
            Isa::Portable => deferred_product_v::<S, Portable>(p, c, q, x, y),
        }
    }

    pub fn materialise_product<S: Elem>(
        p: &mut [S],
        c: &[f64],
        q: &[f64],
        x: &[f64],
        y: &mut [f64],
    ) {
        match Isa::detect() {
            // SAFETY: detect() returns Avx512/Avx2 only after run-time detection of the feature.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { x86::materialise_avx512(p, c, q, x, y) },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { x86::materialise_avx2(p, c, q, x, y) },
            Isa::Portable => materialise_product_v::<S, Portable>(p, c, q, x, y),
        }
    }
}

/// Instruction set the production kernels run with on this CPU (`avx512f`, `avx2` or `portable`; set
/// `SPIKELEARN_RLS_PORTABLE=1` to force the portable build). All give bit-identical results.
pub fn isa() -> &'static str {
    Isa::detect().name()
}

/// Apply pending rank-1 downdates P ← P − Σ_j c_j q_j q_jᵀ to packed storage (j = 0..n in order, element
/// by element: the same rounding as [`packed_materialise_product`]). `q` holds the n vectors back to back.
pub fn packed_downdate(p: &mut [f64], c: &[f64], q: &[f64]) {
    downdate_s(p, c, q)
}

/// [`packed_downdate`] with P stored in f32: each element is widened to f64, the n downdates subtracted in
/// f64 in order, and the result rounded once to f32 (the same bits as [`packed_materialise_product_f32`]
/// writes).
pub fn packed_downdate_f32(p: &mut [f32], c: &[f64], q: &[f64]) {
    downdate_s(p, c, q)
}

/// See [`packed_downdate`] (generic over the storage type).
///
/// Like the materialising pass, more than 8 terms are applied in groups of 8 (then the rest), each group
/// stored once: for f64 storage the grouping changes nothing, for f32 it is the per-group rounding that
/// [`packed_materialise_product_f32`] performs.
pub(crate) fn downdate_s<S: Elem>(p: &mut [S], c: &[f64], q: &[f64]) {
    let np = c.len();
    if np == 0 {
        return;
    }
    let k = q.len() / np;
    let mut j0 = 0;
    while j0 < np {
        let j1 = if np - j0 > 8 { j0 + 8 } else { np };
        let mut off = 0;
        for a in 0..k {
            let len = k - a;
            for (b, v) in p[off..off + len].iter_mut().enumerate() {
                let mut t = v.get();
                for j in j0..j1 {
                    let qj = &q[j * k..(j + 1) * k];
                    t -= (c[j] * qj[a]) * qj[a + b];
                }
                *v = S::put(t);
            }
            off += len;
        }
        j0 = j1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_index_enumerates_upper_triangle_in_order() {
        for k in 1..7 {
            let mut n = 0;
            for a in 0..k {
                for b in a..k {
                    assert_eq!(packed_index(k, a, b), n);
                    n += 1;
                }
            }
            assert_eq!(n, packed_len(k));
        }
    }

    fn test_matrix(k: usize) -> (Vec<f64>, Vec<f64>) {
        let mut dense = vec![0.0; k * k];
        for a in 0..k {
            for b in 0..k {
                dense[a * k + b] = if a == b {
                    2.0 + a as f64
                } else {
                    0.1 / (1.0 + (a + b) as f64)
                };
            }
        }
        let mut packed = vec![0.0; packed_len(k)];
        for a in 0..k {
            for b in a..k {
                packed[packed_index(k, a, b)] = dense[a * k + b];
            }
        }
        (dense, packed)
    }

    /// Deferred product, materialising pass and plain downdate compute the same downdates and products as
    /// successive dense reference steps, for every pending count 0..=11 (unrolled and generic paths) and
    /// sizes that exercise the vector remainder. Tolerance 1e-13 relative: different summation order on
    /// O(1) numbers, K ≤ 21.
    #[test]
    fn deferred_and_materialised_match_dense() {
        for k in [1usize, 7, 8, 9, 21] {
            for np in 0..=11 {
                let (mut dense, packed) = test_matrix(k);
                let xs: Vec<Vec<f64>> = (0..=np)
                    .map(|t| (0..k).map(|i| ((i + 3 * t) as f64 * 0.7).sin()).collect())
                    .collect();
                // np dense steps produce the pending terms, the last x is the probe
                let mut cs = Vec::new();
                let mut qs = Vec::new();
                for x in &xs[..np] {
                    let mut q = vec![0.0; k];
                    cs.push(dense_update(&mut dense, x, &mut q));
                    qs.extend(q);
                }
                let x = &xs[np];
                let mut want = vec![0.0; k];
                for a in 0..k {
                    want[a] = (0..k).map(|b| dense[a * k + b] * x[b]).sum();
                }
                let close = |a: f64, b: f64| (a - b).abs() <= 1e-13 * (1.0 + b.abs());
                let mut y = vec![0.0; k];
                packed_deferred_product(&packed, &cs, &qs, x, &mut y);
                for a in 0..k {
                    assert!(close(y[a], want[a]), "deferred k={k} np={np} a={a}");
                }
                let mut pm = packed.clone();
                let mut y2 = vec![0.0; k];
                packed_materialise_product(&mut pm, &cs, &qs, x, &mut y2);
                let mut pd = packed.clone();
                packed_downdate(&mut pd, &cs, &qs);
                assert_eq!(pm, pd, "materialise vs downdate k={k} np={np}");
                for a in 0..k {
                    assert!(close(y2[a], want[a]), "materialised k={k} np={np} a={a}");
                    for b in a..k {
                        assert!(close(pm[packed_index(k, a, b)], dense[a * k + b]));
                    }
                }
            }
        }
    }

    /// Outputs of the generic kernels on one input: (deferred y, materialised P, materialised y, a dot).
    type Out<S> = (Vec<f64>, Vec<S>, Vec<f64>, f64);

    fn run_v<S: Elem, V: F8>(p0: &[S], c: &[f64], q: &[f64], x: &[f64]) -> Out<S> {
        let k = x.len();
        let mut y = vec![0.0; k];
        deferred_product_v::<S, V>(p0, c, q, x, &mut y);
        let mut p = p0.to_vec();
        let mut y2 = vec![0.0; k];
        materialise_product_v::<S, V>(&mut p, c, q, x, &mut y2);
        (y, p, y2, dot_v::<V>(x, &q[..k]))
    }

    /// Every instruction-set path gives the same bits as the portable code (lane-wise IEEE operations in
    /// one fixed order; no FMA contraction; exact f32 → f64 widening and round-to-nearest-even narrowing),
    /// for f64 and f32 storage.
    fn isas_bit_identical<S: Elem + PartialEq + std::fmt::Debug>(
        packed: &[S],
        c: &[f64],
        q: &[f64],
        x: &[f64],
    ) {
        let k = x.len();
        let want = run_v::<S, Portable>(packed, c, q, x);
        let mut y = vec![0.0; k];
        deferred_product_s(packed, c, q, x, &mut y);
        let mut p = packed.to_vec();
        let mut y2 = vec![0.0; k];
        materialise_product_s(&mut p, c, q, x, &mut y2);
        assert_eq!(
            (want.0.clone(), want.1.clone(), want.2.clone()),
            (y, p, y2),
            "dispatched path ({}) differs from portable",
            isa()
        );
        #[cfg(target_arch = "x86_64")]
        {
            use crate::simd::{Avx2, Avx512};
            #[target_feature(enable = "avx2")]
            fn avx2<S: Elem>(p0: &[S], c: &[f64], q: &[f64], x: &[f64]) -> Out<S> {
                run_v::<S, Avx2>(p0, c, q, x)
            }
            #[target_feature(enable = "avx512f")]
            fn avx512<S: Elem>(p0: &[S], c: &[f64], q: &[f64], x: &[f64]) -> Out<S> {
                run_v::<S, Avx512>(p0, c, q, x)
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: feature detected just above.
                assert_eq!(unsafe { avx2(packed, c, q, x) }, want, "avx2 differs");
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: feature detected just above.
                assert_eq!(unsafe { avx512(packed, c, q, x) }, want, "avx512 differs");
            }
        }
    }

    #[test]
    fn all_isas_bit_identical() {
        for k in [37usize, 40, 5] {
            let (_, packed) = test_matrix(k);
            let x: Vec<f64> = (0..k).map(|i| (i as f64 * 0.37).sin()).collect();
            for np in [0usize, 1, 5, 10] {
                let c: Vec<f64> = (0..np).map(|j| 0.01 / (1.0 + j as f64)).collect();
                let q: Vec<f64> = (0..np.max(1) * k)
                    .map(|i| (i as f64 * 0.11).cos())
                    .collect();
                isas_bit_identical::<f64>(&packed, &c, &q, &x);
                let p32: Vec<f32> = packed.iter().map(|&v| v as f32).collect();
                isas_bit_identical::<f32>(&p32, &c, &q, &x);
            }
        }
    }

    /// The f32 kernels are the f64 kernels on the widened matrix with every written element rounded to
    /// f32: the deferred product equals the f64 one on the widened P bit for bit; the materialising pass
    /// gives the f64 pass's product on the widened P and stores its P rounded to f32 (bit for bit; with
    /// more than 8 pending terms, group by group of 8 with a rounding after each); `packed_downdate_f32`
    /// writes the same bits.
    #[test]
    fn f32_kernels_are_f64_kernels_with_rounded_storage() {
        for k in [1usize, 7, 8, 9, 17, 37] {
            let (_, packed) = test_matrix(k);
            let p32: Vec<f32> = packed.iter().map(|&v| v as f32).collect();
            let wide: Vec<f64> = p32.iter().map(|&v| f64::from(v)).collect();
            let x: Vec<f64> = (0..k).map(|i| (i as f64 * 0.53).cos()).collect();
            for np in 0..=10 {
                let c: Vec<f64> = (0..np).map(|j| 0.02 / (1.0 + j as f64)).collect();
                let q: Vec<f64> = (0..np * k).map(|i| (i as f64 * 0.29).sin()).collect();
                let (mut y32, mut y64) = (vec![0.0; k], vec![0.0; k]);
                packed_deferred_product_f32(&p32, &c, &q, &x, &mut y32);
                packed_deferred_product(&wide, &c, &q, &x, &mut y64);
                assert_eq!(y32, y64, "deferred k={k} np={np}");
                // materialise: the f64 pass on the widened matrix, its P rounded to f32 (per group of 8)
                let mut pm = p32.clone();
                packed_materialise_product_f32(&mut pm, &c, &q, &x, &mut y32);
                let mut want = p32.clone();
                let mut j0 = 0;
                loop {
                    let j1 = if np - j0 > 8 { j0 + 8 } else { np };
                    let mut pd64: Vec<f64> = want.iter().map(|&v| f64::from(v)).collect();
                    packed_materialise_product(
                        &mut pd64,
                        &c[j0..j1],
                        &q[j0 * k..j1 * k],
                        &x,
                        &mut y64,
                    );
                    want = pd64.iter().map(|&v| v as f32).collect();
                    j0 = j1;
                    if j0 == np {
                        break;
                    }
                }
                assert_eq!(pm, want, "materialised P k={k} np={np}");
                assert_eq!(y32, y64, "materialised y k={k} np={np}");
                let mut pd32 = p32.clone();
                packed_downdate_f32(&mut pd32, &c, &q);
                assert_eq!(pd32, want, "downdate_f32 k={k} np={np}");
            }
        }
    }

    #[test]
    fn dot_matches_naive() {
        for n in 0..40 {
            let a: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
            let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).cos()).collect();
            let naive: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - naive).abs() < 1e-13);
        }
    }
}
