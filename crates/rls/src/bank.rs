//! [`RlsBank`]: the RLS state of all neurons, stored contiguously, and the parallel learning step.

use crate::RlsError;
use crate::kernels::{
    Elem, VecTask, deferred_product_v, dense_update, dot_v, downdate_s, materialise_product_v,
    packed_len, with_isa,
};
use crate::simd::F8;
use spikelearn_meanfield::Transfer;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Mean row length K̄ from which the exact packed kernel may defer its downdates by default
/// ([`default_defer`]).
pub const DEFER_FROM_K: usize = 100;

/// Size of the packed f64 P matrices (Σ_i K_i(K_i+1)/2 · 8 bytes) from which the exact packed kernel may
/// defer its downdates by default ([`default_defer`]): 64 MiB, twice the 32 MiB last-level cache of the AMD
/// development VMs, so that every step streams P from memory (a fixed number, not read from the machine,
/// so that the same seed gives the same bits everywhere).
pub const DEFER_FROM_BYTES: usize = 64 << 20;

/// Default number m of rank-1 downdates a new bank keeps pending before writing them into P, for a bank
/// whose rows have `mean_k` plastic inputs on average and whose packed f64 P takes `p_bytes` bytes
/// (Σ_i K_i(K_i+1)/2 · 8, [`crate::membw::packed_f64_bytes`]):
///
/// ```text
/// Packed:     m = 2 if K̄ ≥ 100 and p_bytes ≥ 64 MiB, else m = 1
/// PackedF32:  m = 1 (its rounding model, P rounded to f32 after every update)
/// Reference:  m = 1 (no effect)
/// ```
///
/// A deferred step reads P without writing it (≈ 20 % cheaper than the fused read+write pass on the
/// development VMs), but every m-th pass writes m terms (m multiply-subtracts per element) and every row
/// pays O(m K) Woodbury corrections. It pays when P streams from memory and the rows are long: measured
/// with `rls-bench` (2 threads, depths alternating, 2026-11-29, crate README) m = 2 was faster than m = 1
/// in every pair at K = 100 with N = 2000–10000 (81–404 MB of P: 2–16 %), on average at K = 150–300 from
/// 90 MB on, 7–21 % at K = 300 and 6–10 % at K = 600; it was slower at K = 50 (102 MB: 4–7 %) and with
/// P ≤ 45 MB (partly cache-resident: N = 1000/K = 100 3–8 % slower, N = 500/K = 150 no faster). m = 4 was
/// no better than m = 2. Every figure of the paper has N ≤ 500 and K ≈ 0.3 N (P ≤ 46 MB), so its results
/// (and bits) are those of m = 1. Results for different m agree to rounding, not bit for bit (the
/// Woodbury-form product rounds differently); for a given m they are bit-identical on every instruction
/// set and thread count. [`RlsBank::set_defer`] overrides the choice.
pub fn default_defer(kernel: Kernel, mean_k: f64, p_bytes: usize) -> usize {
    match kernel {
        Kernel::Packed if mean_k >= DEFER_FROM_K as f64 && p_bytes >= DEFER_FROM_BYTES => 2,
        _ => 1,
    }
}

/// Which implementation of the per-row update to use. All compute the same mathematics; `Reference` and
/// `Packed` are exact f64 (agreement to rounding, ~1e-12 relative), `PackedF32` stores P in f32 (opt-in,
/// see its documentation). The default is the exact f64 `Packed`.
///
/// (De)serialised in snake case: `"reference"`, `"packed"`, `"packed_f32"` (e.g. `protocol.kernel` in an
/// experiment's TOML).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kernel {
    /// Plain dense K×K matrices per row: q = P x, then P ← P − c q qᵀ in a second pass.
    Reference,
    /// Production: packed symmetric storage (K(K+1)/2 values per row); rank-1 downdates are kept pending
    /// for up to m steps ([`RlsBank::set_defer`], default [`default_defer`]) and the product is formed in
    /// Woodbury form P_t x = P x − Σ_j c_j q_j (q_jᵀ x), so P is only read on most steps; every m-th step one
    /// fused pass writes the m pending downdates into P and forms the product (see [`crate::kernels`]).
    #[default]
    Packed,
    /// Opt-in reduced-precision storage: the production packed kernel with every P_i stored as f32
    /// (packed upper triangle, 2 K(K+1) bytes per row: half the bytes of `Packed`, which is what a
    /// memory-bandwidth-bound sweep streams). All arithmetic is f64 and w, x, q, c and the pending terms
    /// stay f64. Rounding model (default m = 1), per row and step:
    ///
    /// ```text
    /// P(0) = fl32(I/λ)
    /// P̂ = wide(P) − c′ q′ q′ᵀ       (f64; the previous step's downdate, pending until this pass)
    /// q = P̂ x,  c = 1/(1 + xᵀq),  e = f − w·x,  w ← w + e c q      (all f64)
    /// P ← fl32(P̂)                   (round to nearest, ties to even, once per element and step)
    /// ```
    ///
    /// i.e. every step computes, bit for bit, what `Packed` computes from the widened stored matrix, and P
    /// is stored rounded to f32 after every update; f64 everywhere else. With m > 1
    /// ([`RlsBank::set_defer`]) the m pending downdates are applied in f64 and P is rounded once every m
    /// steps (once per group of 8 downdates when m > 8), the products in between being formed in
    /// Woodbury form from the stored f32 P. Bit-identical on every instruction set and for every thread
    /// count. It is not exact: trainings drift from the f64 ones (bounded by the tests: ~1e-6 relative on
    /// w over hundreds of steps in `tests/ridge.rs`; the outcome of a full Figure 3 training in
    /// `spikelearn-bench`'s `tests/f32_drift.rs`).
    PackedF32,
}

impl Kernel {
    /// The kernel's name in parameter files (its serde name): `reference`, `packed` or `packed_f32`.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Reference => "reference",
            Kernel::Packed => "packed",
            Kernel::PackedF32 => "packed_f32",
        }
    }
    /// Whether the kernel uses packed symmetric storage (and the pending-downdate machinery).
    fn is_packed(self) -> bool {
        matches!(self, Kernel::Packed | Kernel::PackedF32)
    }
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
/// Memory: all P_i back to back in one allocation (dense K_i² or packed K_i(K_i+1)/2 values per row; f64,
/// or f32 for [`Kernel::PackedF32`]), the
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
    /// All P_i, contiguous (dense K² or packed K(K+1)/2 per row); empty for `PackedF32`.
    p: Vec<f64>,
    /// `PackedF32`: all packed P_i in f32, laid out like `p`; empty otherwise.
    p32: Vec<f32>,
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
        let mean_k = if n == 0 {
            0.0
        } else {
            ptr[n] as f64 / n as f64
        };
        // Values of P (Σ K² dense, Σ K(K+1)/2 packed), in 128 bits so that an impossible size is reported,
        // not wrapped. The packed count also gives the bytes an exact f64 step must stream (deferral rule).
        let row_len = |i: usize| (ptr[i + 1] - ptr[i]) as u128;
        let packed_values: u128 = (0..n).map(|i| row_len(i) * (row_len(i) + 1) / 2).sum();
        let (values, elem_bytes): (u128, u128) = match kernel {
            Kernel::Reference => ((0..n).map(|i| row_len(i) * row_len(i)).sum(), 8),
            Kernel::Packed => (packed_values, 8),
            Kernel::PackedF32 => (packed_values, 4),
        };
        let bytes = values * elem_bytes;
        let alloc_error = |available| RlsError::Alloc {
            rows: n,
            mean_k,
            kernel,
            bytes,
            available,
        };
        // isize::MAX bytes is the most any allocation may hold
        if bytes > isize::MAX as u128 {
            return Err(alloc_error(None));
        }
        // More than the system can give without swapping: refuse now rather than be killed mid-way.
        if let Some(avail) = mem_available()
            && bytes > avail
        {
            return Err(alloc_error(Some(avail)));
        }
        let mut p_off = Vec::with_capacity(n + 1);
        let mut total = 0usize;
        let mut max_k = 0;
        for i in 0..n {
            p_off.push(total);
            let k = ptr[i + 1] - ptr[i];
            max_k = max_k.max(k);
            total += match kernel {
                Kernel::Reference => k * k,
                Kernel::Packed | Kernel::PackedF32 => packed_len(k),
            };
        }
        p_off.push(total);
        let mut p = Vec::new();
        let mut p32 = Vec::new();
        match kernel {
            Kernel::Reference => {
                p = p_storage(total).ok_or_else(|| alloc_error(None))?;
                for i in 0..n {
                    let k = ptr[i + 1] - ptr[i];
                    let m = &mut p[p_off[i]..p_off[i + 1]];
                    (0..k).for_each(|a| m[a * k + a] = 1.0 / lambda);
                }
            }
            Kernel::Packed => {
                p = p_storage(total).ok_or_else(|| alloc_error(None))?;
                init_packed(&mut p, ptr, &p_off, lambda);
            }
            Kernel::PackedF32 => {
                p32 = p_storage(total).ok_or_else(|| alloc_error(None))?;
                init_packed(&mut p32, ptr, &p_off, lambda);
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
            p32,
            defer: 0,
            n_pend: 0,
            pend_q: Vec::new(),
            pend_c: Vec::new(),
            chunks,
            max_k,
            updates: 0,
        };
        // ≤ `bytes` (or ≤ 2 × `bytes` for f32 storage), which fitted in memory, so no overflow.
        let p_f64_bytes = (packed_values * 8) as usize;
        bank.set_defer(default_defer(kernel, mean_k, p_f64_bytes));
        Ok(bank)
    }

    /// Set the number m ≥ 1 of rank-1 downdates the packed kernels keep pending before writing them into P
    /// (m = 1: every step writes the previous step's downdate, fused with its product). Pending downdates
    /// are flushed first. Larger m reads P m times per write; the Woodbury corrections cost O(m K) per row
    /// and step. No effect on the reference kernel. Values below 1 are treated as 1.
    ///
    /// `PackedF32` supports every m with the same algorithm; its stored P is then rounded to f32 once
    /// every m steps (after the m downdates are applied in f64; per group of 8 when m > 8) instead of
    /// after every step, so its
    /// results depend on m (the f64 kernels' agree across m to rounding).
    pub fn set_defer(&mut self, m: usize) {
        let m = m.max(1);
        if !self.kernel.is_packed() {
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
    /// Bytes held by the P matrices (the dominant memory cost, ≈ 8 N K² for the reference kernel,
    /// 4 N K(K+1) for `Packed`, 2 N K(K+1) for `PackedF32`).
    pub fn p_bytes(&self) -> usize {
        self.p.len() * std::mem::size_of::<f64>() + self.p32.len() * std::mem::size_of::<f32>()
    }

    /// Row i's pending downdates: coefficients (n values) and vectors (n·K_i values).
    fn pending(&self, i: usize) -> (&[f64], &[f64]) {
        let k = self.row_len(i);
        let np = self.n_pend;
        let c = &self.pend_c[self.defer * i..self.defer * i + np];
        let q0 = self.defer * self.ptr[i];
        (c, &self.pend_q[q0..q0 + np * k])
    }

    /// The current P_i as a dense row-major K×K matrix (pending downdates included; for `PackedF32` the
    /// f32 values that a flush would store, widened to f64).
    pub fn p_dense(&self, i: usize) -> Vec<f64> {
        let k = self.row_len(i);
        let range = self.p_off[i]..self.p_off[i + 1];
        match self.kernel {
            Kernel::Reference => self.p[range].to_vec(),
            Kernel::Packed => {
                let (c, q) = self.pending(i);
                unpack(&self.p[range], c, q, k)
            }
            Kernel::PackedF32 => {
                let (c, q) = self.pending(i);
                unpack(&self.p32[range], c, q, k)
            }
        }
    }

    /// Apply all pending (deferred) downdates so the stored P is current. A no-op for the reference kernel.
    /// The result is bit-identical to what the next materialising step would have written.
    pub fn flush(&mut self) {
        if !self.kernel.is_packed() || self.n_pend == 0 {
            return;
        }
        let n = self.n_rows();
        let np = self.n_pend;
        for i in 0..n {
            let k = self.row_len(i);
            let q0 = self.defer * self.ptr[i];
            let range = self.p_off[i]..self.p_off[i + 1];
            let c = &self.pend_c[self.defer * i..self.defer * i + np];
            let q = &self.pend_q[q0..q0 + np * k];
            if self.kernel == Kernel::PackedF32 {
                downdate_s(&mut self.p32[range], c, q);
            } else {
                downdate_s(&mut self.p[range], c, q);
            }
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
            p32: &mut self.p32,
            w,
            q: &mut self.pend_q,
            c: &mut self.pend_c,
        };
        parts.run(&ctx);
        if self.kernel.is_packed() {
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

/// Bytes of memory the system can still give without swapping: `MemAvailable` of `/proc/meminfo` on Linux,
/// `None` where that is unknown.
fn mem_available() -> Option<u128> {
    parse_mem_available(&std::fs::read_to_string("/proc/meminfo").ok()?)
}

/// The `MemAvailable:  N kB` line of a `/proc/meminfo` text, in bytes.
fn parse_mem_available(meminfo: &str) -> Option<u128> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut it = line["MemAvailable:".len()..].split_whitespace();
    let kb: u128 = it.next()?.parse().ok()?;
    (it.next() == Some("kB")).then_some(kb * 1024)
}

/// Zero-filled storage for the P matrices. On Linux, transparent huge pages are requested for it
/// (`madvise(MADV_HUGEPAGE)` before the pages are first touched): every step streams all of P, and with
/// 4 KiB pages that is one TLB miss per 512 f64 values; 2 MiB pages remove almost all of them. Only a
/// hint: where the kernel's THP setting is `never`, or no huge page is free, the pages stay 4 KiB and
/// nothing else changes (the contents are the same zeros either way). `None` when the allocation is refused.
fn p_storage<T: Copy + Default>(len: usize) -> Option<Vec<T>> {
    let mut v: Vec<T> = Vec::new();
    v.try_reserve_exact(len).ok()?;
    #[cfg(target_os = "linux")]
    advise_huge_pages(v.as_ptr() as usize, len * std::mem::size_of::<T>());
    v.resize(len, T::default());
    Some(v)
}

/// `madvise(MADV_HUGEPAGE)` on the 2 MiB-aligned part of [addr, addr + bytes) (a no-op below 4 MiB).
#[cfg(target_os = "linux")]
fn advise_huge_pages(addr: usize, bytes: usize) {
    const HUGE: usize = 2 << 20;
    if bytes < 2 * HUGE {
        return;
    }
    let start = (addr + HUGE - 1) & !(HUGE - 1);
    let end = (addr + bytes) & !(HUGE - 1);
    if end > start {
        // SAFETY: [start, end) lies inside the allocation just reserved by the caller (capacity ≥ bytes),
        // which we own; MADV_HUGEPAGE only changes how the kernel backs those pages, never their contents
        // or validity. The return value is ignored on purpose: failure leaves ordinary pages.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

/// P(0) = I/λ (rounded to the storage type) in packed storage for every row.
fn init_packed<S: Elem>(p: &mut [S], ptr: &[usize], p_off: &[usize], lambda: f64) {
    for i in 0..ptr.len() - 1 {
        let k = ptr[i + 1] - ptr[i];
        let m = &mut p[p_off[i]..p_off[i + 1]];
        let mut off = 0;
        for a in 0..k {
            m[off] = S::put(1.0 / lambda);
            off += k - a;
        }
    }
}

/// Dense row-major K×K copy of packed P with the pending downdates applied (as a flush would).
fn unpack<S: Elem>(m: &[S], c: &[f64], q: &[f64], k: usize) -> Vec<f64> {
    let mut cur = m.to_vec();
    downdate_s(&mut cur, c, q);
    let mut out = vec![0.0; k * k];
    let mut off = 0;
    for a in 0..k {
        for b in a..k {
            let v = cur[off + b - a].get();
            out[a * k + b] = v;
            out[b * k + a] = v;
        }
        off += k - a;
    }
    out
}

/// `s.split_at_mut(at)`, or two empty halves when `s` is empty (storage the kernel does not use).
fn split_opt<T>(s: &mut [T], at: usize) -> (&mut [T], &mut [T]) {
    if s.is_empty() {
        s.split_at_mut(0)
    } else {
        s.split_at_mut(at)
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
    p32: &'a mut [f32],
    w: &'a mut [f64],
    q: &'a mut [f64],
    c: &'a mut [f64],
}

impl Parts<'_> {
    fn run(self, ctx: &StepCtx<'_>) {
        if self.chunks.len() <= 1 {
            if let Some(ch) = self.chunks.first() {
                process_chunk(ch, self.p, self.p32, self.w, self.q, self.c, ctx);
            }
            return;
        }
        let mid = self.chunks.len() / 2;
        let (left, right) = self.chunks.split_at(mid);
        let first = left[0];
        let split = right[0];
        let (p0, p1) = split_opt(self.p, split.p.0 - first.p.0);
        let (p320, p321) = split_opt(self.p32, split.p.0 - first.p.0);
        let (w0, w1) = self.w.split_at_mut(split.q.0 - first.q.0);
        let (c0, c1) = split_opt(self.c, ctx.defer * (split.rows.0 - first.rows.0));
        let (q0, q1) = split_opt(self.q, ctx.defer * (split.q.0 - first.q.0));
        let a = Parts {
            chunks: left,
            p: p0,
            p32: p320,
            w: w0,
            q: q0,
            c: c0,
        };
        let b = Parts {
            chunks: right,
            p: p1,
            p32: p321,
            w: w1,
            q: q1,
            c: c1,
        };
        rayon::join(|| a.run(ctx), || b.run(ctx));
    }
}

/// One packed row: the fused pass (materialising the pending downdates, or the read-only Woodbury-form
/// product), then the new pending term (q, c) stored in its slot. Returns c.
#[inline(always)]
fn packed_row<S: Elem, V: F8>(
    lp: &mut [S],
    lq: &mut [f64],
    lc: &mut [f64],
    np: usize,
    materialise: bool,
    x: &[f64],
    y: &mut [f64],
) -> f64 {
    let k = x.len();
    let slot = if materialise {
        materialise_product_v::<S, V>(lp, &lc[..np], &lq[..np * k], x, y);
        0
    } else {
        deferred_product_v::<S, V>(lp, &lc[..np], &lq[..np * k], x, y);
        np
    };
    let gain = 1.0 / (1.0 + dot_v::<V>(x, y));
    lq[slot * k..(slot + 1) * k].copy_from_slice(y);
    lc[slot] = gain;
    gain
}

/// Process one chunk of rows with the thread's scratch buffers; the row loop runs inside one
/// instruction-set dispatch ([`with_isa`]), so gathers, dot products and weight updates are compiled for
/// the same vector width as the P pass (the arithmetic and its order do not depend on it).
fn process_chunk(
    ch: &Chunk,
    p: &mut [f64],
    p32: &mut [f32],
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
        with_isa(ChunkTask {
            ch,
            p,
            p32,
            w,
            q,
            c,
            ctx,
            xbuf,
            ybuf,
        });
    });
}

/// The rows of one chunk and everything their update touches (see [`process_chunk`]).
struct ChunkTask<'a, 'b> {
    ch: &'a Chunk,
    p: &'a mut [f64],
    p32: &'a mut [f32],
    w: &'a mut [f64],
    q: &'a mut [f64],
    c: &'a mut [f64],
    ctx: &'a StepCtx<'b>,
    xbuf: &'a mut [f64],
    ybuf: &'a mut [f64],
}

impl VecTask for ChunkTask<'_, '_> {
    #[inline(always)]
    fn run<V: F8>(self) {
        let ChunkTask {
            ch,
            p,
            p32,
            w,
            q,
            c,
            ctx,
            xbuf,
            ybuf,
        } = self;
        let m = ctx.defer;
        for i in ch.rows.0..ch.rows.1 {
            let (a, b) = (ctx.ptr[i], ctx.ptr[i + 1]);
            let k = b - a;
            if k == 0 {
                continue;
            }
            let lw = &mut w[a - ch.q.0..b - ch.q.0];
            let prange = ctx.p_off[i] - ch.p.0..ctx.p_off[i + 1] - ch.p.0;
            let x = &mut xbuf[..k];
            for (xv, &j) in x.iter_mut().zip(&ctx.idx[a..b]) {
                *xv = ctx.r[j];
            }
            let wx = dot_v::<V>(lw, x);
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
            let li = i - ch.rows.0;
            let (np, mat) = (ctx.n_pend, ctx.materialise);
            let gain = match ctx.kernel {
                Kernel::Reference => dense_update(&mut p[prange], x, y),
                Kernel::Packed => {
                    let lq = &mut q[m * (a - ch.q.0)..m * (b - ch.q.0)];
                    let lc = &mut c[m * li..m * (li + 1)];
                    packed_row::<f64, V>(&mut p[prange], lq, lc, np, mat, x, y)
                }
                Kernel::PackedF32 => {
                    let lq = &mut q[m * (a - ch.q.0)..m * (b - ch.q.0)];
                    let lc = &mut c[m * li..m * (li + 1)];
                    packed_row::<f32, V>(&mut p32[prange], lq, lc, np, mat, x, y)
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
    }
}

#[cfg(test)]
mod tests {
    use super::{DEFER_FROM_BYTES, Kernel, Objective, RlsBank, default_defer};
    use crate::RlsError;
    use crate::kernels::FORCE_PORTABLE;
    use spikelearn_meanfield::Phi2;
    use std::sync::atomic::Ordering;

    /// P matrices that cannot exist are a clear error naming their size, not an abort. K = 2³² inputs on one
    /// row: K(K+1)/2 · 8 bytes ≈ 7.4e19 exceeds isize::MAX (no allocation is attempted), for every kernel.
    /// K = 2²⁵: 8 · K(K+1)/2 ≈ 4.5e15 bytes (4.5 PB), more than the memory Linux reports available (and,
    /// where none is reported, more than any 48-bit address space holds and, under heuristic overcommit,
    /// far more than RAM + swap, so the allocation is refused).
    #[test]
    fn impossible_p_storage_is_an_error_naming_its_size() {
        for kernel in [Kernel::Reference, Kernel::Packed, Kernel::PackedF32] {
            match RlsBank::new(&[0, 1 << 32], 1.0, kernel) {
                Err(RlsError::Alloc {
                    rows: 1,
                    mean_k,
                    kernel: got,
                    bytes,
                    available: None,
                }) => {
                    assert_eq!(mean_k, 4294967296.0);
                    assert_eq!(got, kernel);
                    assert!(bytes > isize::MAX as u128, "{bytes}");
                }
                Err(e) => panic!("{kernel:?}: wrong error {e}"),
                Ok(_) => panic!("{kernel:?}: a bank of 2^32 inputs was built"),
            }
        }
        let overcommit =
            std::fs::read_to_string("/proc/sys/vm/overcommit_memory").unwrap_or_default();
        if overcommit.trim() != "1" {
            let k: u128 = 1 << 25;
            let Err(err) = RlsBank::new(&[0, 1 << 25], 1.0, Kernel::Packed) else {
                panic!("4.5 PB allocated")
            };
            match &err {
                RlsError::Alloc {
                    rows: 1,
                    mean_k,
                    kernel: Kernel::Packed,
                    bytes,
                    ..
                } => {
                    assert_eq!(*mean_k, (1u64 << 25) as f64);
                    assert_eq!(*bytes, 8 * k * (k + 1) / 2);
                }
                e => panic!("wrong error {e}"),
            }
            let msg = err.to_string();
            assert!(
                msg.contains("4503599.8 GB") && msg.contains("packed_f32"),
                "{msg}"
            );
        }
    }

    /// The advice of the allocation error names only kernels that store P in fewer bytes than the one
    /// that failed.
    #[test]
    fn alloc_error_suggests_only_smaller_storage() {
        let msg = |kernel| {
            let Err(e) = RlsBank::new(&[0, 1 << 32], 1.0, kernel) else {
                panic!("a bank of 2^32 inputs was built")
            };
            e.to_string()
        };
        let (r, p, f) = (
            msg(Kernel::Reference),
            msg(Kernel::Packed),
            msg(Kernel::PackedF32),
        );
        assert!(
            r.contains("kernel = \"packed\"") && r.contains("\"packed_f32\""),
            "{r}"
        );
        assert!(
            p.contains("kernel = \"packed_f32\"") && !p.contains("kernel = \"packed\""),
            "{p}"
        );
        assert!(!f.contains("kernel = "), "{f}");
        assert!(f.contains("lower connection probability"), "{f}");
    }

    /// `MemAvailable` is read from its `/proc/meminfo` line in kB; anything else is unknown, not zero.
    #[test]
    fn mem_available_parses_meminfo() {
        let text = "MemTotal:       24542324 kB\nMemFree:        23772136 kB\nMemAvailable:   24216024 kB\n";
        assert_eq!(super::parse_mem_available(text), Some(24216024 * 1024));
        assert_eq!(super::parse_mem_available("MemTotal: 1 kB\n"), None);
        assert_eq!(super::parse_mem_available("MemAvailable: lots kB\n"), None);
        assert_eq!(super::parse_mem_available("MemAvailable: 12 MB\n"), None);
        if cfg!(target_os = "linux") {
            assert!(super::mem_available().is_some_and(|b| b > 0));
        }
    }

    /// `Kernel::name` is the name parameter files use (the serde name).
    #[test]
    fn kernel_names_are_the_serde_names() {
        for k in [Kernel::Reference, Kernel::Packed, Kernel::PackedF32] {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.name()));
        }
    }

    /// The default deferral depth is m = 2 for the exact packed kernel from K̄ = 100 and 64 MiB of packed
    /// P, else 1, and a new bank takes it from its own layout.
    #[test]
    fn default_defer_follows_row_length_and_size() {
        let big = DEFER_FROM_BYTES;
        for (k, bytes, m) in [
            (0.0, 0, 1),
            (150.0, 45_300_000, 1), // Figure 3: N = 500, K = 150
            (99.9, 10 * big, 1),
            (100.0, big - 1, 1),
            (100.0, big, 2),
            (300.0, 361_200_000, 2),
            (1e4, usize::MAX, 2),
        ] {
            assert_eq!(
                default_defer(Kernel::Packed, k, bytes),
                m,
                "K = {k}, {bytes} B"
            );
            assert_eq!(
                default_defer(Kernel::PackedF32, k, bytes),
                1,
                "f32, K = {k}"
            );
            assert_eq!(
                default_defer(Kernel::Reference, k, bytes),
                1,
                "reference, K = {k}"
            );
        }
        let bank = |lens: &[usize], kernel| {
            let ptr: Vec<usize> = std::iter::once(0)
                .chain(lens.iter().scan(0, |s, &k| {
                    *s += k;
                    Some(*s)
                }))
                .collect();
            RlsBank::new(&ptr, 1.0, kernel).unwrap().defer()
        };
        // 737 rows of K = 150: 66.7 MB < 64 MiB; 745 rows: 67.5 MB ≥ 64 MiB (K(K+1)/2 · 8 = 90600 B a row)
        assert_eq!(bank(&[150; 737], Kernel::Packed), 1);
        assert_eq!(bank(&[150; 745], Kernel::Packed), 2);
        // same bytes with a mean row length below 100: 1
        let mut lens = vec![150; 745];
        lens.extend(std::iter::repeat_n(0, 500)); // mean 90
        assert_eq!(bank(&lens, Kernel::Packed), 1);
        assert_eq!(bank(&[150; 745], Kernel::PackedF32), 1);
        assert_eq!(bank(&[], Kernel::Packed), 1);
    }

    /// A whole bank step (gather, w·x, the packed pass, the gain, the weight update) gives the same bits
    /// with the portable instantiation as with the CPU's best instruction set: drive and rate objectives,
    /// f64 and f32 storage, deferral m = 1 and 3, uneven row lengths including an empty row.
    #[test]
    fn bank_step_is_the_same_on_every_instruction_set() {
        let n = 23;
        let mut ptr = vec![0usize];
        let mut idx = Vec::new();
        for i in 0..n {
            let k = if i == 5 { 0 } else { 1 + (i * 7) % 19 };
            idx.extend((0..k).map(|j| (i + 3 * j + 1) % n));
            ptr.push(idx.len());
        }
        let phi = Phi2::PAPER;
        let ext: Vec<f64> = (0..n).map(|i| 0.2 + 0.01 * i as f64).collect();
        for kernel in [Kernel::Packed, Kernel::PackedF32] {
            for defer in [1usize, 3] {
                for rate in [false, true] {
                    let run = |portable: bool| {
                        FORCE_PORTABLE.store(portable, Ordering::Relaxed);
                        let mut bank = RlsBank::new(&ptr, 0.7, kernel).expect("bank");
                        bank.set_defer(defer);
                        let mut w: Vec<f64> =
                            (0..idx.len()).map(|j| 0.01 * (j % 5) as f64).collect();
                        for t in 0..7 {
                            let r: Vec<f64> = (0..n)
                                .map(|i| (0.3 * (i * (t + 2)) as f64).sin().abs())
                                .collect();
                            let f: Vec<f64> =
                                (0..n).map(|i| (0.1 * (i + t) as f64).cos()).collect();
                            let obj = if rate {
                                Objective::Rate {
                                    transfer: &phi,
                                    ext: &ext,
                                }
                            } else {
                                Objective::Drive
                            };
                            bank.step(&idx, &r, &mut w, &f, obj).expect("finite");
                        }
                        FORCE_PORTABLE.store(false, Ordering::Relaxed);
                        let p: Vec<u64> = (0..n)
                            .flat_map(|i| bank.p_dense(i))
                            .map(f64::to_bits)
                            .collect();
                        (w.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), p)
                    };
                    let best = run(false);
                    let portable = run(true);
                    assert_eq!(best, portable, "{kernel:?} m = {defer} rate = {rate}");
                }
            }
        }
    }
}
