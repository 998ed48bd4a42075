//! A vector of 8 f64 lanes ([`F8`]) with three implementations: portable arrays, two AVX2 registers, one
//! AVX-512 register. Every operation is lane-wise IEEE arithmetic (no FMA contraction) and the horizontal
//! sum uses one fixed tree, so generic code computes bit-identical results with any implementation; only
//! the speed differs. f32 storage is read with an exact widening conversion ([`F8::load_f32`]) and written
//! with one IEEE round-to-nearest-even narrowing ([`F8::store_f32`]), which every implementation performs
//! identically. The x86 implementations are only reachable through [`Isa::detect`], which checks the
//! CPU at run time.

/// 8 lanes of f64 with lane-wise arithmetic.
pub(crate) trait F8: Copy {
    /// All lanes 0.
    fn zero() -> Self;
    /// All lanes `v`.
    fn splat(v: f64) -> Self;
    /// Lanes s[0..8] (panics if `s` is shorter than 8).
    fn load(s: &[f64]) -> Self;
    /// Write the lanes to s[0..8] (panics if `s` is shorter than 8).
    fn store(self, s: &mut [f64]);
    /// Lanes s[0..8] of f32 values widened to f64 (exact; panics if `s` is shorter than 8).
    fn load_f32(s: &[f32]) -> Self;
    /// Round the lanes to f32 (IEEE round to nearest, ties to even: the same as `v as f32`) and write them
    /// to s[0..8] (panics if `s` is shorter than 8).
    fn store_f32(self, s: &mut [f32]);
    /// Lane-wise a + b.
    fn add(self, o: Self) -> Self;
    /// Lane-wise a − b.
    fn sub(self, o: Self) -> Self;
    /// Lane-wise a · b.
    fn mul(self, o: Self) -> Self;
    /// Σ lanes in the fixed tree ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)): halves added lane-wise
    /// (l + l+4, then l + l+2, then l + l+1).
    fn sum(self) -> f64;
}

/// Portable implementation: plain arrays (the compiler vectorises what it can for the baseline target).
#[derive(Clone, Copy)]
pub(crate) struct Portable([f64; 8]);

impl F8 for Portable {
    #[inline(always)]
    fn zero() -> Self {
        Portable([0.0; 8])
    }
    #[inline(always)]
    fn splat(v: f64) -> Self {
        Portable([v; 8])
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        Portable(s[..8].try_into().expect("8 lanes"))
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        s[..8].copy_from_slice(&self.0);
    }
    #[inline(always)]
    fn load_f32(s: &[f32]) -> Self {
        let s = &s[..8];
        Portable(std::array::from_fn(|l| f64::from(s[l])))
    }
    #[inline(always)]
    fn store_f32(self, s: &mut [f32]) {
        let s = &mut s[..8];
        for l in 0..8 {
            s[l] = self.0[l] as f32;
        }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Portable(std::array::from_fn(|l| self.0[l] + o.0[l]))
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Portable(std::array::from_fn(|l| self.0[l] - o.0[l]))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Portable(std::array::from_fn(|l| self.0[l] * o.0[l]))
    }
    #[inline(always)]
    fn sum(self) -> f64 {
        let a = self.0;
        let h: [f64; 4] = std::array::from_fn(|l| a[l] + a[l + 4]);
        let q = [h[0] + h[2], h[1] + h[3]];
        q[0] + q[1]
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) use x86::{Avx2, Avx512};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::F8;
    use std::arch::x86_64::*;

    /// Two AVX registers (lanes 0–3, 4–7). Constructed only inside functions compiled with
    /// `target_feature(enable = "avx2")` after run-time detection (see `kernels::simd`).
    #[derive(Clone, Copy)]
    pub(crate) struct Avx2(__m256d, __m256d);

    // SAFETY (all unsafe blocks in this impl): the intrinsics need AVX, which the CPU has whenever a value
    // of this type is used (only from `avx2` target-feature functions entered after detection); loads and
    // stores go through slices of at least 8 elements, checked by the slicing.
    impl F8 for Avx2 {
        #[inline(always)]
        fn zero() -> Self {
            unsafe { Avx2(_mm256_setzero_pd(), _mm256_setzero_pd()) }
        }
        #[inline(always)]
        fn splat(v: f64) -> Self {
            unsafe { Avx2(_mm256_set1_pd(v), _mm256_set1_pd(v)) }
        }
        #[inline(always)]
        fn load(s: &[f64]) -> Self {
            let s = &s[..8];
            unsafe {
                Avx2(
                    _mm256_loadu_pd(s.as_ptr()),
                    _mm256_loadu_pd(s.as_ptr().add(4)),
                )
            }
        }
        #[inline(always)]
        fn store(self, s: &mut [f64]) {
            let s = &mut s[..8];
            unsafe {
                _mm256_storeu_pd(s.as_mut_ptr(), self.0);
                _mm256_storeu_pd(s.as_mut_ptr().add(4), self.1);
            }
        }
        #[inline(always)]
        fn load_f32(s: &[f32]) -> Self {
            let s = &s[..8];
            unsafe {
                Avx2(
                    _mm256_cvtps_pd(_mm_loadu_ps(s.as_ptr())),
                    _mm256_cvtps_pd(_mm_loadu_ps(s.as_ptr().add(4))),
                )
            }
        }
        #[inline(always)]
        fn store_f32(self, s: &mut [f32]) {
            let s = &mut s[..8];
            unsafe {
                // MXCSR rounding mode: round to nearest even (Rust never changes it)
                _mm_storeu_ps(s.as_mut_ptr(), _mm256_cvtpd_ps(self.0));
                _mm_storeu_ps(s.as_mut_ptr().add(4), _mm256_cvtpd_ps(self.1));
            }
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            unsafe { Avx2(_mm256_add_pd(self.0, o.0), _mm256_add_pd(self.1, o.1)) }
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            unsafe { Avx2(_mm256_sub_pd(self.0, o.0), _mm256_sub_pd(self.1, o.1)) }
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            unsafe { Avx2(_mm256_mul_pd(self.0, o.0), _mm256_mul_pd(self.1, o.1)) }
        }
        #[inline(always)]
        fn sum(self) -> f64 {
            unsafe {
                let h = _mm256_add_pd(self.0, self.1); // l + l+4
                let q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd::<1>(h)); // l + l+2
                let s = _mm_add_sd(q, _mm_unpackhi_pd(q, q)); // l + l+1
                _mm_cvtsd_f64(s)
            }
        }
    }

    /// One AVX-512 register. Constructed only inside functions compiled with
    /// `target_feature(enable = "avx512f")` after run-time detection (see `kernels::simd`).
    #[derive(Clone, Copy)]
    pub(crate) struct Avx512(__m512d);

    // SAFETY (all unsafe blocks in this impl): as for Avx2, with AVX-512F.
    impl F8 for Avx512 {
        #[inline(always)]
        fn zero() -> Self {
            unsafe { Avx512(_mm512_setzero_pd()) }
        }
        #[inline(always)]
        fn splat(v: f64) -> Self {
            unsafe { Avx512(_mm512_set1_pd(v)) }
        }
        #[inline(always)]
        fn load(s: &[f64]) -> Self {
            let s = &s[..8];
            unsafe { Avx512(_mm512_loadu_pd(s.as_ptr())) }
        }
        #[inline(always)]
        fn store(self, s: &mut [f64]) {
            let s = &mut s[..8];
            unsafe { _mm512_storeu_pd(s.as_mut_ptr(), self.0) }
        }
        #[inline(always)]
        fn load_f32(s: &[f32]) -> Self {
            let s = &s[..8];
            unsafe { Avx512(_mm512_cvtps_pd(_mm256_loadu_ps(s.as_ptr()))) }
        }
        #[inline(always)]
        fn store_f32(self, s: &mut [f32]) {
            let s = &mut s[..8];
            unsafe {
                // MXCSR rounding mode: round to nearest even (Rust never changes it)
                _mm256_storeu_ps(s.as_mut_ptr(), _mm512_cvtpd_ps(self.0))
            }
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            unsafe { Avx512(_mm512_add_pd(self.0, o.0)) }
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            unsafe { Avx512(_mm512_sub_pd(self.0, o.0)) }
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            unsafe { Avx512(_mm512_mul_pd(self.0, o.0)) }
        }
        #[inline(always)]
        fn sum(self) -> f64 {
            unsafe {
                let lo = _mm512_castpd512_pd256(self.0);
                let hi = _mm512_extractf64x4_pd::<1>(self.0);
                let h = _mm256_add_pd(lo, hi); // l + l+4
                let q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd::<1>(h)); // l + l+2
                let s = _mm_add_sd(q, _mm_unpackhi_pd(q, q)); // l + l+1
                _mm_cvtsd_f64(s)
            }
        }
    }
}

/// Instruction set selected at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Isa {
    /// Best available instruction set (cached); `SPIKELEARN_RLS_PORTABLE` in the environment forces the
    /// portable code (for testing that all paths agree).
    pub(crate) fn detect() -> Isa {
        use std::sync::OnceLock;
        static ISA: OnceLock<Isa> = OnceLock::new();
        *ISA.get_or_init(|| {
            if std::env::var_os("SPIKELEARN_RLS_PORTABLE").is_some() {
                return Isa::Portable;
            }
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f") {
                    return Isa::Avx512;
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    return Isa::Avx2;
                }
            }
            Isa::Portable
        })
    }

    /// Lower-case name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => "avx512f",
        }
    }
}

/// Hint the CPU to fetch the cache line holding `p` into L2 (never faults; a no-op off x86-64).
#[inline(always)]
pub(crate) fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults or changes memory, whatever the address; SSE is
    // part of the x86-64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(p as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
