//! Sparse recurrent weights W (row i = incoming weights of neuron i, W_ij = coupling from j to i) in CSR
//! form, and the random initial connectivities of the paper (paper-spec §3.1, §3.6).

use crate::SimError;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Row-compressed sparse matrix: row i's entries are `val[ptr[i]..ptr[i+1]]` at columns
/// `idx[ptr[i]..ptr[i+1]]` (sorted, no duplicates). The stored pattern is the plastic mask: entries outside
/// it are exactly zero forever (paper-spec §11.1 A12).
///
/// A column view (`col_ptr`, `col_pos`) lists, for each presynaptic neuron j, the positions in `val` of its
/// outgoing weights, so a spike of j can be delivered without scanning all rows.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseRows {
    n: usize,
    /// CSR row pointer, length n+1.
    pub ptr: Vec<usize>,
    /// Column (presynaptic) index of each stored entry.
    pub idx: Vec<usize>,
    /// Value of each stored entry.
    pub val: Vec<f64>,
    col_ptr: Vec<usize>,
    col_pos: Vec<usize>,
    col_row: Vec<usize>,
}

impl SparseRows {
    /// Build from per-row (column, value) lists. Columns are sorted; duplicates and out-of-range columns are
    /// errors.
    pub fn from_rows(n: usize, rows: Vec<Vec<(usize, f64)>>) -> Result<Self, SimError> {
        if rows.len() != n {
            return Err(SimError::Shape {
                what: "rows",
                got: rows.len(),
                expected: n,
            });
        }
        let mut ptr = Vec::with_capacity(n + 1);
        ptr.push(0);
        let mut idx = Vec::new();
        let mut val = Vec::new();
        for mut row in rows {
            row.sort_by_key(|e| e.0);
            for (k, &(j, v)) in row.iter().enumerate() {
                if j >= n || (k > 0 && row[k - 1].0 == j) {
                    return Err(SimError::Shape {
                        what: "column index",
                        got: j,
                        expected: n,
                    });
                }
                idx.push(j);
                val.push(v);
            }
            ptr.push(idx.len());
        }
        Ok(Self::assemble(n, ptr, idx, val))
    }

    fn assemble(n: usize, ptr: Vec<usize>, idx: Vec<usize>, val: Vec<f64>) -> Self {
        let mut count = vec![0usize; n + 1];
        for &j in &idx {
            count[j + 1] += 1;
        }
        for j in 0..n {
            count[j + 1] += count[j];
        }
        let col_ptr = count.clone();
        let mut fill = count;
        let mut col_pos = vec![0; idx.len()];
        let mut col_row = vec![0; idx.len()];
        for i in 0..n {
            for pos in ptr[i]..ptr[i + 1] {
                let j = idx[pos];
                col_pos[fill[j]] = pos;
                col_row[fill[j]] = i;
                fill[j] += 1;
            }
        }
        Self {
            n,
            ptr,
            idx,
            val,
            col_ptr,
            col_pos,
            col_row,
        }
    }

    /// Random Gaussian connectivity (paper-spec §3.6, generic initial weights): each j ≠ i is connected with
    /// probability p; W_ij = σ z_ij / sqrt(N p), z ~ N(0, 1). With `zero_row_mean`, the mean of each row's
    /// non-zero entries is subtracted from them, so every row sums to exactly zero (Fig 1, Fig 2).
    pub fn gaussian<R: Rng + ?Sized>(
        n: usize,
        p: f64,
        sigma: f64,
        zero_row_mean: bool,
        rng: &mut R,
    ) -> Result<Self, SimError> {
        check_p(p)?;
        if !(sigma >= 0.0 && sigma.is_finite()) {
            return Err(SimError::OutOfRange {
                field: "sigma",
                value: sigma,
                expected: "[0, inf)",
            });
        }
        let scale = sigma / (n as f64 * p).sqrt();
        let mut rows = Vec::with_capacity(n);
        for i in 0..n {
            let mut row = Vec::new();
            for j in 0..n {
                if j == i {
                    continue;
                }
                if rng.random::<f64>() < p {
                    let z: f64 = StandardNormal.sample(rng);
                    row.push((j, scale * z));
                }
            }
            if zero_row_mean && !row.is_empty() {
                let m = row.iter().map(|e| e.1).sum::<f64>() / row.len() as f64;
                row.iter_mut().for_each(|e| e.1 -= m);
            }
            rows.push(row);
        }
        Self::from_rows(n, rows)
    }

    /// A plastic mask with all weights zero (W0 = 0, Figs 6–7 and Fig 1—supplement 2): each j ≠ i is in the
    /// mask with probability p.
    pub fn zero_mask<R: Rng + ?Sized>(n: usize, p: f64, rng: &mut R) -> Result<Self, SimError> {
        check_p(p)?;
        let rows = (0..n)
            .map(|i| {
                (0..n)
                    .filter(|&j| j != i && rng.random::<f64>() < p)
                    .map(|j| (j, 0.0))
                    .collect()
            })
            .collect();
        Self::from_rows(n, rows)
    }

    /// Number of neurons N.
    pub fn n(&self) -> usize {
        self.n
    }
    /// Number of stored (plastic) entries.
    pub fn nnz(&self) -> usize {
        self.idx.len()
    }
    /// Row i as (columns, values).
    pub fn row(&self, i: usize) -> (&[usize], &[f64]) {
        let (a, b) = (self.ptr[i], self.ptr[i + 1]);
        (&self.idx[a..b], &self.val[a..b])
    }
    /// y = W x (row by row, each row summed in column order). Rows are split over the rayon pool in
    /// blocks of 64 when W has at least 16384 entries; every row's sum is the same sequential sum, so the
    /// result does not depend on the thread count.
    ///
    /// y_i = (((−0 + w_i,1 x_j1) + w_i,2 x_j2) + …), exactly the left fold of `Iterator::sum` (whose neutral
    /// element is −0.0). Four rows are summed side by side ([`Self::row_sums`]) so the four dependency
    /// chains of additions overlap; each row's own order, and so every bit, is unchanged.
    pub fn matvec(&self, x: &[f64], y: &mut [f64]) {
        let y = &mut y[..self.n];
        if self.nnz() < 16_384 || rayon::current_num_threads() < 2 {
            self.row_sums(0, x, y);
            return;
        }
        use rayon::prelude::*;
        y.par_chunks_mut(64)
            .enumerate()
            .for_each(|(c, ys)| self.row_sums(64 * c, x, ys));
    }
    /// ys[o] = row (first + o) of W x, each row a sequential sum in column order starting from −0.0;
    /// rows are processed four at a time (interleaved, not reassociated).
    fn row_sums(&self, first: usize, x: &[f64], ys: &mut [f64]) {
        let (ptr, idx, val) = (&self.ptr, &self.idx, &self.val);
        // continue the left fold s over the stored entries `cs`
        let fold = |mut s: f64, cs: std::ops::Range<usize>| -> f64 {
            for c in cs {
                s += val[c] * x[idx[c]];
            }
            s
        };
        let mut groups = ys.chunks_exact_mut(4);
        let mut i = first;
        for g in &mut groups {
            let a: [usize; 4] = std::array::from_fn(|r| ptr[i + r]);
            let m = (0..4).map(|r| ptr[i + r + 1] - a[r]).min().unwrap_or(0);
            // the first m entries of the four rows side by side, then each row's rest
            let iv: [&[usize]; 4] = std::array::from_fn(|r| &idx[a[r]..a[r] + m]);
            let vv: [&[f64]; 4] = std::array::from_fn(|r| &val[a[r]..a[r] + m]);
            let mut s = [-0.0f64; 4];
            for t in 0..m {
                for r in 0..4 {
                    s[r] += vv[r][t] * x[iv[r][t]];
                }
            }
            for r in 0..4 {
                g[r] = fold(s[r], a[r] + m..ptr[i + r + 1]);
            }
            i += 4;
        }
        for (o, v) in groups.into_remainder().iter_mut().enumerate() {
            *v = fold(-0.0, ptr[i + o]..ptr[i + o + 1]);
        }
    }
    /// y += s · W[:, j] (deliver a spike of neuron j).
    #[inline]
    pub fn add_column(&self, j: usize, s: f64, y: &mut [f64]) {
        for c in self.col_ptr[j]..self.col_ptr[j + 1] {
            y[self.col_row[c]] += s * self.val[self.col_pos[c]];
        }
    }
    /// Set every outgoing weight of neuron j to zero (lesion; Fig 3d).
    pub fn zero_column(&mut self, j: usize) {
        for c in self.col_ptr[j]..self.col_ptr[j + 1] {
            self.val[self.col_pos[c]] = 0.0;
        }
    }
    /// Dense row-major copy (N × N).
    pub fn to_dense(&self) -> Vec<f64> {
        let mut d = vec![0.0; self.n * self.n];
        for i in 0..self.n {
            for pos in self.ptr[i]..self.ptr[i + 1] {
                d[i * self.n + self.idx[pos]] = self.val[pos];
            }
        }
        d
    }
    /// Frobenius norm ‖W‖_F.
    pub fn frobenius(&self) -> f64 {
        self.val.iter().map(|v| v * v).sum::<f64>().sqrt()
    }
    /// ‖W − V‖_F for two matrices with the same pattern.
    pub fn frobenius_distance(&self, other: &SparseRows) -> f64 {
        assert_eq!(
            self.ptr, other.ptr,
            "frobenius_distance needs identical sparsity patterns"
        );
        self.val
            .iter()
            .zip(&other.val)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt()
    }
}

fn check_p(p: f64) -> Result<(), SimError> {
    if !(p > 0.0 && p <= 1.0) {
        return Err(SimError::OutOfRange {
            field: "p",
            value: p,
            expected: "(0, 1]",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn gaussian_has_no_autapses_zero_rows_and_right_density() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let w = SparseRows::gaussian(200, 0.3, 4.0, true, &mut rng).unwrap();
        for i in 0..200 {
            let (cols, vals) = w.row(i);
            assert!(!cols.contains(&i));
            assert!(vals.iter().sum::<f64>().abs() < 1e-12);
        }
        // nnz ~ Binomial(200*199, 0.3): mean 11940, sd ~ 65; 5 sd band
        assert!((w.nnz() as f64 - 11940.0).abs() < 325.0);
        // variance of entries ~ sigma^2/(Np) = 16/60
        let var = w.val.iter().map(|v| v * v).sum::<f64>() / w.nnz() as f64;
        assert!((var / (16.0 / 60.0) - 1.0).abs() < 0.05);
    }

    /// The interleaved row sums give exactly the bits of each row's plain left fold (`Iterator::sum`, neutral
    /// −0.0): rows of unequal length (the four-row groups end at different columns), a remainder of 1–3
    /// rows, empty rows, and rows whose every product is −0.0 (the sign of a zero sum is kept).
    #[test]
    fn matvec_rows_are_plain_sequential_sums() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for n in [1usize, 3, 4, 5, 7, 70, 131] {
            let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
            for row in rows.iter_mut() {
                for j in 0..n {
                    if rng.random::<f64>() < 0.4 {
                        row.push((j, rng.random::<f64>() - 0.5));
                    }
                }
            }
            rows[0].clear();
            if n > 2 {
                rows[2] = vec![(0, -0.0), (n - 1, -0.5)];
            }
            let w = SparseRows::from_rows(n, rows).unwrap();
            let mut x: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 1e3 - 1e2).collect();
            x[0] = 1.0;
            x[n - 1] = 0.0;
            let mut y = vec![f64::NAN; n];
            w.matvec(&x, &mut y);
            for (i, &yi) in y.iter().enumerate() {
                let want: f64 = (w.ptr[i]..w.ptr[i + 1])
                    .map(|c| w.val[c] * x[w.idx[c]])
                    .sum();
                assert_eq!(yi.to_bits(), want.to_bits(), "n = {n}, row {i}");
            }
            if n > 2 {
                assert!(
                    y[2] == 0.0 && y[2].is_sign_negative(),
                    "−0 · 1 + (−0.5) · 0 = −0 + −0 = −0"
                );
            }
        }
    }

    /// The parallel matvec (nnz ≥ 16384, 2 threads) gives the same bits as the sequential one (1 thread):
    /// every row is one sequential sum in both.
    #[test]
    fn matvec_is_thread_count_invariant() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let w = SparseRows::gaussian(400, 0.3, 1.0, false, &mut rng).unwrap();
        assert!(w.nnz() >= 16_384, "too small to take the parallel path");
        let x: Vec<f64> = (0..400).map(|i| (i as f64 * 0.37).sin()).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut y = vec![0.0; 400];
            pool.install(|| w.matvec(&x, &mut y));
            y
        };
        let y1 = run(1);
        assert_eq!(y1, run(2));
        let d = w.to_dense();
        for i in 0..400 {
            let want: f64 = (0..400).map(|j| d[i * 400 + j] * x[j]).sum();
            assert!((y1[i] - want).abs() <= 1e-12 * (1.0 + want.abs()));
        }
    }

    #[test]
    fn column_view_matches_dense() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let w = SparseRows::gaussian(30, 0.4, 1.0, false, &mut rng).unwrap();
        let d = w.to_dense();
        let mut y = vec![0.0; 30];
        w.add_column(7, 2.0, &mut y);
        for i in 0..30 {
            assert_eq!(y[i], 2.0 * d[i * 30 + 7]);
        }
        let x: Vec<f64> = (0..30).map(|i| i as f64 * 0.1).collect();
        let mut y2 = vec![0.0; 30];
        w.matvec(&x, &mut y2);
        for i in 0..30 {
            let e: f64 = (0..30).map(|j| d[i * 30 + j] * x[j]).sum();
            assert!((e - y2[i]).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_p_is_named() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let e = SparseRows::gaussian(10, 1.5, 1.0, false, &mut rng).unwrap_err();
        assert!(e.to_string().contains("`p`"));
    }
}
