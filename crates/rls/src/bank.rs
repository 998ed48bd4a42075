//! [`RlsBank`]: the RLS state of all neurons, stored contiguously, and the parallel learning step.

use crate::RlsError;
use crate::kernels::{
    dense_update, dot, packed_deferred_product, packed_downdate, packed_len,
    packed_materialise_product,
};
use spikelearn_meanfield::Transfer;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Default number m of rank-1 downdates the packed kernel keeps pending before writing them into P
/// (measured with `rls-bench`: see the crate README).
pub const DEFAULT_DEFER: usize = 1;

/// Which implementation of the per-row update to use. Both compute the same mathematics
/// (agreement to rounding, ~1e-12 relative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kernel {
    /// Plain dense K×K matrices per row: q = P x, then P ← P − c q qᵀ in a second pass.
    Reference,
    /// Production: packed symmetric storage (K(K+1)/2 values per row); rank-1 downdates are kept pending
    /// for up to m steps ([`RlsBank::set_defer`], default [`DEFAULT_DEFER`]) and the product is formed in
    /// Woodbury form P_t x = P x − Σ_j c_j q_j (q_jᵀ x), so P is only read on most steps; every m-th step one
    /// fused pass writes the m pending downdates into P and forms the product (see [`crate::kernels`]).
    #[default]
    Packed,
}

/// What the row update fits.
#[derive(Clone, Copy)]
pub enum Objective<'a> {
    /// Synaptic-drive training (eqs 10–12): fit w·x to the target.
    Drive,
    /// Spiking-rate training (eqs 16–19): fit φ(w·x + I_i) to the target, with x scaled by φ'(w·x + I_i).
    Rate {
        /// The transfer function φ (the paper uses φ2 with c = 0.1).
        transfer: &'a dyn Transfer,
        /// External input I_i per neuron at this step.
        ext: &'a [f64],
    },
}

/// A group of consecutive rows processed by one rayon task.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    rows: (usize, usize),
    p: (usize, usize),
    q: (usize, usize),
}

/// RLS state for N rows (neurons). Row i has K_i = `ptr[i+1] − ptr[i]` plastic inputs, laid out like the
/// values of a CSR matrix (`idx[ptr[i]..ptr[i+1]]` are its presynaptic indices).
///
/// Memory: all P_i back to back in one allocation (dense K_i² or packed K_i(K_i+1)/2 values per row), the
/// packed kernel's pending downdates (m vectors of K_i and m coefficients per row) in two more. Rows are
/// split into contiguous chunks of about equal P size (16 per thread) processed by a recursive
/// `rayon::join`; each row's arithmetic is sequential, so results do not depend on the thread count.
#[derive(Debug, Clone)]
pub struct RlsBank {
    kernel: Kernel,
    lambda: f64,
    ptr: Vec<usize>,
    /// Offset of row i's matrix in `p`.
    p_off: Vec<usize>,
    /// All P_i, contiguous (dense K² or packed K(K+1)/2 per row).
    p: Vec<f64>,
    /// Packed kernel: maximum number m of pending downdates.
    defer: usize,
    /// Number of pending downdates (the same for every row: every step updates every row).
    n_pend: usize,
    /// Pending vectors q_j: row i's block of m·K_i values starts at m·ptr[i], term j at + j·K_i.
    pend_q: Vec<f64>,
    /// Pending coefficients c_j: row i's m values start at m·i.
    pend_c: Vec<f64>,
    chunks: Vec<Chunk>,
    max_k: usize,
    updates: u64,
}

thread_local! {
    static SCRATCH: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

impl RlsBank {
    /// New bank with P_i(0) = I/λ for every row. `ptr` is the CSR row pointer (length N+1, `ptr[0] = 0`).
    ///
    /// The rows are split into parallel chunks for the rayon pool current at this call (build the bank
    /// inside `pool.install` to use a custom pool).
    pub fn new(ptr: &[usize], lambda: f64, kernel: Kernel) -> Result<Self, RlsError> {
        if !(lambda > 0.0 && lambda.is_finite()) {
            return Err(RlsError::BadLambda(lambda));
        }
        if ptr.is_empty() || ptr[0] != 0 || ptr.windows(2).any(|w| w[1] < w[0]) {
            return Err(RlsError::Layout(
                "must start at 0 and be non-decreasing".into(),
            ));
        }
        let n = ptr.len() - 1;
        let size = |k: usize| match kernel {
            Kernel::Reference => k * k,
            Kernel::Packed => packed_len(k),
        };
        let mut p_off = Vec::with_capacity(n + 1);
        let mut total = 0usize;
        let mut max_k = 0;
        for i in 0..n {
            p_off.push(total);
            let k = ptr[i + 1] - ptr[i];
            max_k = max_k.max(k);
            total += size(k);
        }
        p_off.push(total);
        let mut p = vec![0.0; total];
        for i in 0..n {
            let k = ptr[i + 1] - ptr[i];
            let m = &mut p[p_off[i]..p_off[i + 1]];
            match kernel {
                Kernel::Reference => (0..k).for_each(|a| m[a * k + a] = 1.0 / lambda),
                Kernel::Packed => {
                    let mut off = 0;
                    for a in 0..k {
                        m[off] = 1.0 / lambda;
                        off += k - a;
                    }
                }
            }
        }
        // Balanced chunks: about total/(16 · threads) of P each, at least one row.
        let threads = rayon::current_num_threads().max(1);
        let target = (total / (16 * threads)).max(1);
        let mut chunks = Vec::new();
        let mut start = 0;
        let mut acc = 0;
        for i in 0..n {
            acc += p_off[i + 1] - p_off[i];
            if acc >= target || i + 1 == n {
                chunks.push(Chunk {
                    rows: (start, i + 1),
                    p: (p_off[start], p_off[i + 1]),
                    q: (ptr[start], ptr[i + 1]),
                });
                start = i + 1;
                acc = 0;
            }
        }
        let mut bank = Self {
            kernel,
            lambda,
            ptr: ptr.to_vec(),
            p_off,
            p,
            defer: 0,
            n_pend: 0,
            pend_q: Vec::new(),
            pend_c: Vec::new(),
            chunks,
            max_k,
            updates: 0,
        };
        bank.set_defer(DEFAULT_DEFER);
        Ok(bank)
    }

    /// Set the number m ≥ 1 of rank-1 downdates the packed kernel keeps pending before writing them into P
    /// (m = 1: every step writes the previous step's downdate, fused with its product). Pending downdates
    /// are flushed first. Larger m reads P m times per write; the Woodbury corrections cost O(m K) per row
    /// and step. No effect on the reference kernel. Values below 1 are treated as 1.
    pub fn set_defer(&mut self, m: usize) {
        let m = m.max(1);
        if self.kernel != Kernel::Packed {
            self.defer = m;
            return;
        }
        self.flush();
        self.defer = m;
        let n = self.n_rows();
        self.pend_q = vec![0.0; m * self.ptr[n]];
        self.pend_c = vec![0.0; m * n];
    }

    /// The number m of downdates the packed kernel defers (see [`RlsBank::set_defer`]).
    pub fn defer(&self) -> usize {
        self.defer
    }

    /// Number of rows N.
    pub fn n_rows(&self) -> usize {
        self.ptr.len() - 1
    }
    /// K_i, the number of plastic inputs of row i.
    pub fn row_len(&self, i: usize) -> usize {
        self.ptr[i + 1] - self.ptr[i]
    }
    /// λ (P(0) = I/λ).
    pub fn lambda(&self) -> f64 {
        self.lambda
    }
    /// The kernel in use.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }
    /// Number of learning steps applied so far.
    pub fn updates(&self) -> u64 {
        self.updates
    }
    /// Bytes held by the P matrices (the dominant memory cost, ≈ 8 N K² or 4 N K(K+1)).
    pub fn p_bytes(&self) -> usize {
        self.p.len() * std::mem::size_of::<f64>()
    }

    /// Row i's pending downdates: coefficients (n values) and vectors (n·K_i values).
    fn pending(&self, i: usize) -> (&[f64], &[f64]) {
        let k = self.row_len(i);
        let np = self.n_pend;
        let c = &self.pend_c[self.defer * i..self.defer * i + np];
        let q0 = self.defer * self.ptr[i];
        (c, &self.pend_q[q0..q0 + np * k])
    }

    /// The current P_i as a dense row-major K×K matrix (pending downdates included).
    pub fn p_dense(&self, i: usize) -> Vec<f64> {
        let k = self.row_len(i);
        let m = &self.p[self.p_off[i]..self.p_off[i + 1]];
        let mut out = vec![0.0; k * k];
        match self.kernel {
            Kernel::Reference => out.copy_from_slice(m),
            Kernel::Packed => {
                let mut cur = m.to_vec();
                let (c, q) = self.pending(i);
                packed_downdate(&mut cur, c, q);
                let mut off = 0;
                for a in 0..k {
                    for b in a..k {
                        let v = cur[off + b - a];
                        out[a * k + b] = v;
                        out[b * k + a] = v;
                    }
                    off += k - a;
                }
            }
        }
        out
    }

    /// Apply all pending (deferred) downdates so the stored P is current. A no-op for the reference kernel.
    /// The result is bit-identical to what the next materialising step would have written.
    pub fn flush(&mut self) {
        if self.kernel != Kernel::Packed || self.n_pend == 0 {
            return;
        }
        let n = self.n_rows();
        let np = self.n_pend;
        for i in 0..n {
            let k = self.row_len(i);
            let q0 = self.defer * self.ptr[i];
            packed_downdate(
                &mut self.p[self.p_off[i]..self.p_off[i + 1]],
                &self.pend_c[self.defer * i..self.defer * i + np],
                &self.pend_q[q0..q0 + np * k],
            );
        }
        self.n_pend = 0;
    }

    /// One learning step for every row (paper eqs 10–12 or 16–19).
    ///
    /// * `idx` — CSR column indices (presynaptic neuron of each plastic weight), length nnz;
    /// * `r` — filtered spike trains of all N neurons at this step;
    /// * `w` — CSR values (the plastic weights), updated in place;
    /// * `target` — f_i at this step for every row (length N).
    ///
    /// Per row, with x = `r[idx_i]` (rate training: x ← φ'(w·x + I_i) x): q = P x, c = 1/(1 + xᵀq),
    /// P ← P − c q qᵀ, w ← w + e c q with e = f_i − w·x (rate: f_i − φ(w·x + I_i)).
    ///
    /// Returns the first (lowest-index) row whose update was non-finite as an error; rows are otherwise
    /// independent and processed in parallel with identical results for any thread count.
    pub fn step(
        &mut self,
        idx: &[usize],
        r: &[f64],
        w: &mut [f64],
        target: &[f64],
        objective: Objective<'_>,
    ) -> Result<(), RlsError> {
        let n = self.n_rows();
        let nnz = self.ptr[n];
        check_len("idx", idx.len(), nnz)?;
        check_len("w", w.len(), nnz)?;
        check_len("target", target.len(), n)?;
        if let Objective::Rate { ext, .. } = objective {
            check_len("ext", ext.len(), n)?;
        }
        let bad = AtomicUsize::new(usize::MAX);
        let materialise = self.n_pend >= self.defer;
        let ctx = StepCtx {
            kernel: self.kernel,
            ptr: &self.ptr,
            p_off: &self.p_off,
            idx,
            r,
            target,
            objective,
            max_k: self.max_k,
            defer: self.defer,
            n_pend: self.n_pend,
            materialise,
            bad: &bad,
        };
        let parts = Parts {
            chunks: &self.chunks,
            p: &mut self.p,
            w,
            q: &mut self.pend_q,
            c: &mut self.pend_c,
        };
        parts.run(&ctx);
        if self.kernel == Kernel::Packed {
            self.n_pend = if materialise { 1 } else { self.n_pend + 1 };
        }
        self.updates += 1;
        let row = bad.load(Ordering::Relaxed);
        if row != usize::MAX {
            return Err(RlsError::NonFinite { row });
        }
        Ok(())
    }
}

fn check_len(what: &'static str, got: usize, expected: usize) -> Result<(), RlsError> {
    if got != expected {
        return Err(RlsError::Shape {
            what,
            got,
            expected,
        });
    }
    Ok(())
}

struct StepCtx<'a> {
    kernel: Kernel,
    ptr: &'a [usize],
    p_off: &'a [usize],
    idx: &'a [usize],
    r: &'a [f64],
    target: &'a [f64],
    objective: Objective<'a>,
    max_k: usize,
    defer: usize,
    n_pend: usize,
    materialise: bool,
    bad: &'a AtomicUsize,
}

// SAFETY-free parallel split: the chunk list is divided recursively and the matching storage slices are
// split with `split_at_mut` at chunk boundaries, so every task owns disjoint memory.
struct Parts<'a> {
    chunks: &'a [Chunk],
    p: &'a mut [f64],
    w: &'a mut [f64],
    q: &'a mut [f64],
    c: &'a mut [f64],
}

impl Parts<'_> {
    fn run(self, ctx: &StepCtx<'_>) {
        if self.chunks.len() <= 1 {
            if let Some(ch) = self.chunks.first() {
                process_chunk(ch, self.p, self.w, self.q, self.c, ctx);
            }
            return;
        }
        let mid = self.chunks.len() / 2;
        let (left, right) = self.chunks.split_at(mid);
        let first = left[0];
        let split = right[0];
        let (p0, p1) = self.p.split_at_mut(split.p.0 - first.p.0);
        let (w0, w1) = self.w.split_at_mut(split.q.0 - first.q.0);
        let (c0, c1) = if self.c.is_empty() {
            self.c.split_at_mut(0)
        } else {
            self.c
                .split_at_mut(ctx.defer * (split.rows.0 - first.rows.0))
        };
        let (q0, q1) = if self.q.is_empty() {
            self.q.split_at_mut(0)
        } else {
            self.q.split_at_mut(ctx.defer * (split.q.0 - first.q.0))
        };
        let a = Parts {
            chunks: left,
            p: p0,
            w: w0,
            q: q0,
            c: c0,
        };
        let b = Parts {
            chunks: right,
            p: p1,
            w: w1,
            q: q1,
            c: c1,
        };
        rayon::join(|| a.run(ctx), || b.run(ctx));
    }
}

fn process_chunk(
    ch: &Chunk,
    p: &mut [f64],
    w: &mut [f64],
    q: &mut [f64],
    c: &mut [f64],
    ctx: &StepCtx<'_>,
) {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        if s.len() < 2 * ctx.max_k {
            s.resize(2 * ctx.max_k, 0.0);
        }
        let (xbuf, ybuf) = s.split_at_mut(ctx.max_k);
        let m = ctx.defer;
        for i in ch.rows.0..ch.rows.1 {
            let (a, b) = (ctx.ptr[i], ctx.ptr[i + 1]);
            let k = b - a;
            if k == 0 {
                continue;
            }
            let lw = &mut w[a - ch.q.0..b - ch.q.0];
            let lp = &mut p[ctx.p_off[i] - ch.p.0..ctx.p_off[i + 1] - ch.p.0];
            let x = &mut xbuf[..k];
            for (xv, &j) in x.iter_mut().zip(&ctx.idx[a..b]) {
                *xv = ctx.r[j];
            }
            let wx = dot(lw, x);
            // error and input scaling
            let (err, ok) = match ctx.objective {
                Objective::Drive => (ctx.target[i] - wx, true),
                Objective::Rate { transfer, ext } => {
                    let arg = wx + ext[i];
                    let g = transfer.deriv(arg);
                    x.iter_mut().for_each(|v| *v *= g);
                    (ctx.target[i] - transfer.value(arg), g.is_finite())
                }
            };
            let y = &mut ybuf[..k];
            let gain = match ctx.kernel {
                Kernel::Reference => dense_update(lp, x, y),
                Kernel::Packed => {
                    let li = i - ch.rows.0;
                    let lq = &mut q[m * (a - ch.q.0)..m * (b - ch.q.0)];
                    let lc = &mut c[m * li..m * (li + 1)];
                    let np = ctx.n_pend;
                    let slot = if ctx.materialise {
                        packed_materialise_product(lp, &lc[..np], &lq[..np * k], x, y);
                        0
                    } else {
                        packed_deferred_product(lp, &lc[..np], &lq[..np * k], x, y);
                        np
                    };
                    let gain = 1.0 / (1.0 + dot(x, y));
                    lq[slot * k..(slot + 1) * k].copy_from_slice(y);
                    lc[slot] = gain;
                    gain
                }
            };
            if !(ok && err.is_finite() && gain.is_finite()) {
                ctx.bad.fetch_min(i, Ordering::Relaxed);
                continue;
            }
            let s = err * gain;
            for (wv, yv) in lw.iter_mut().zip(y.iter()) {
                *wv += s * yv;
            }
        }
    });
}
