//! Single-row RLS kernels on plain slices, with caller-owned scratch (no allocation).
//!
//! Packed symmetric storage: the upper triangle of a K×K matrix stored row by row,
//! element (a, b), a ≤ b, at [`packed_index`]`(K, a, b)`; length K(K+1)/2.

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
pub fn dense_update(p: &mut [f64], x: &[f64], q: &mut [f64]) -> f64 {
    let k = x.len();
    for a in 0..k {
        let row = &p[a * k..(a + 1) * k];
        q[a] = row.iter().zip(x).map(|(pa, xb)| pa * xb).sum();
    }
    let c = 1.0 / (1.0 + dot(x, q));
    for a in 0..k {
        let qa = c * q[a];
        let row = &mut p[a * k..(a + 1) * k];
        for (pab, qb) in row.iter_mut().zip(q.iter()) {
            *pab -= qa * qb;
        }
    }
    c
}

/// Fused packed step: first applies a pending rank-1 downdate P ← P − c_prev q_prev q_prevᵀ (skipped when
/// `c_prev == 0`), then computes q = P x with the updated P, in one pass over the packed upper triangle.
/// Returns nothing; the caller forms c = 1/(1 + xᵀq) and stores (c, q) as the next pending downdate.
pub fn packed_fused(p: &mut [f64], c_prev: f64, q_prev: &[f64], x: &[f64], q: &mut [f64]) {
    let k = x.len();
    debug_assert_eq!(p.len(), packed_len(k));
    q[..k].iter_mut().for_each(|v| *v = 0.0);
    let mut off = 0;
    for a in 0..k {
        let len = k - a;
        let row = &mut p[off..off + len];
        let xa = x[a];
        let xs = &x[a..];
        let qs = &mut q[a..k];
        if c_prev != 0.0 {
            let s = c_prev * q_prev[a];
            let qp = &q_prev[a..k];
            // row[b] -= s*qp[b]; acc += row[b]*x[b]; q[b] += row[b]*x[a]  (b ≥ a)
            let mut acc = 0.0;
            for ((pab, (&qpb, &xb)), qb) in row.iter_mut().zip(qp.iter().zip(xs)).zip(qs.iter_mut())
            {
                let v = *pab - s * qpb;
                *pab = v;
                acc += v * xb;
                *qb += v * xa;
            }
            // the diagonal was counted twice (once in acc, once in q[a]); remove one
            q[a] += acc - row[0] * xa;
        } else {
            let mut acc = 0.0;
            for ((&v, &xb), qb) in row.iter().zip(xs).zip(qs.iter_mut()) {
                acc += v * xb;
                *qb += v * xa;
            }
            q[a] += acc - row[0] * xa;
        }
        off += len;
    }
}

/// Apply a pending rank-1 downdate P ← P − c q qᵀ to packed storage.
pub fn packed_downdate(p: &mut [f64], c: f64, q: &[f64]) {
    let k = q.len();
    let mut off = 0;
    for a in 0..k {
        let len = k - a;
        let s = c * q[a];
        for (pab, qb) in p[off..off + len].iter_mut().zip(&q[a..]) {
            *pab -= s * qb;
        }
        off += len;
    }
}

/// Plain dot product with a fixed (left-to-right) summation order.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
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

    /// The fused packed kernel computes the same downdate and product as two dense passes
    /// (tolerance 1e-13: different summation order on O(1) numbers, K = 7).
    #[test]
    fn fused_matches_dense() {
        let k = 7;
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
        let x1: Vec<f64> = (0..k).map(|i| (i as f64 * 0.7).sin()).collect();
        let x2: Vec<f64> = (0..k).map(|i| (i as f64 * 1.3).cos()).collect();
        let mut q1 = vec![0.0; k];
        let c1 = dense_update(&mut dense, &x1, &mut q1);
        let mut q2d = vec![0.0; k];
        let _ = dense_update(&mut dense, &x2, &mut q2d);
        // packed: step 1 without pending, step 2 with (c1, q1) pending
        let mut p1 = vec![0.0; k];
        packed_fused(&mut packed, 0.0, &[], &x1, &mut p1);
        let c1p = 1.0 / (1.0 + dot(&x1, &p1));
        assert!((c1p - c1).abs() < 1e-13);
        let mut p2 = vec![0.0; k];
        packed_fused(&mut packed, c1p, &p1, &x2, &mut p2);
        for a in 0..k {
            assert!((p2[a] - q2d[a]).abs() < 1e-13, "q mismatch at {a}");
        }
        let c2 = 1.0 / (1.0 + dot(&x2, &p2));
        packed_downdate(&mut packed, c2, &p2);
        for a in 0..k {
            for b in a..k {
                assert!((packed[packed_index(k, a, b)] - dense[a * k + b]).abs() < 1e-13);
            }
        }
    }
}
