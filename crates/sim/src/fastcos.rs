//! The theta neurons' `cos`: vectorisable, and the same bits on every platform (`network.cos = "fast"`, the
//! default; `"libm"` selects the platform's `cos`).
//!
//! cos x is evaluated as fdlibm's `cos` does for medium arguments, written branch-free so the compiler can run
//! eight neurons side by side:
//!
//! * reduction: n = round(x · 2/π) (by adding and subtracting 1.5 · 2⁵²), y = x − n · π/2 as a double-double
//!   y₀ + y₁, with π/2 split Cody-Waite style into 33 + 33 + 53 bits (`PIO2_1`, `PIO2_2`, `PIO2_2T`), exact
//!   products n · `PIO2_1` and n · `PIO2_2` for |n| < 2²⁰;
//! * kernels on |y| ≤ π/4: sin y = y − y³/3! + … + y¹⁷/17! and cos y = 1 − y²/2 + … + y¹⁶/16! (Taylor series;
//!   the first omitted terms are below 10⁻¹⁷), with fdlibm's tail corrections for y₁ and for 1 − y²/2;
//! * quadrant: cos x = cos y, −sin y, −cos y, sin y for n mod 4 = 0, 1, 2, 3.
//!
//! Only +, −, × and no fused multiply-add, so every instruction set (and every vector width) gives the same
//! bits. Arguments with |x| ≥ [`FAST_COS_LIMIT`] (and NaN, ±∞) fall back to the standard library's `cos`.
//!
//! Accuracy (tested in `fast_cos_is_within_an_ulp_of_libm`): |fast_cos(x) − cos(x)| ≤ 2⁻⁵² ≈ 2.2·10⁻¹⁶ over
//! the whole range; a probe over 2·10⁷ phases in [−10, 3000] found at most 1 ulp of the result between it and
//! glibc's `cos`, which it differs from in ≈ 3 % of arguments. The phases then differ in their last bits, but
//! no spike decision flipped in any figure: every output was byte-identical to the libm runs (see
//! [`crate::CosImpl`]).

/// Arguments below this magnitude take the fast path (|n| < 2¹⁹, well inside the exact-product range of the
/// two-part reduction); larger ones (a phase that has turned more than 8·10⁴ times) call `f64::cos`.
pub const FAST_COS_LIMIT: f64 = 5.0e5;

const INV_PIO2: f64 = std::f64::consts::FRAC_2_PI;
/// First 33 bits of π/2 (1.5707963267341256).
const PIO2_1: f64 = f64::from_bits(0x3FF9_21FB_5440_0000);
/// π/2 − PIO2_1, first 33 bits (6.077100506303966e-11).
const PIO2_2: f64 = f64::from_bits(0x3DD0_B461_1A60_0000);
/// π/2 − PIO2_1 − PIO2_2, rounded to 53 bits (2.0222662487959506e-21).
const PIO2_2T: f64 = f64::from_bits(0x3BA3_198A_2E03_7073);
/// 1.5 · 2⁵²: adding it rounds a double of magnitude < 2⁵¹ to an integer held in the low mantissa bits.
const TO_INT: f64 = 6_755_399_441_055_744.0;

/// sin(y₀ + y₁) for |y₀| ≤ π/4 (fdlibm `__kernel_sin` with Taylor coefficients to y¹⁷).
#[inline(always)]
fn kernel_sin(y0: f64, y1: f64) -> f64 {
    let z = y0 * y0;
    let v = z * y0;
    let r = 1.0 / 120.0
        + z * (-1.0 / 5040.0
            + z * (1.0 / 362_880.0
                + z * (-1.0 / 39_916_800.0
                    + z * (1.0 / 6_227_020_800.0
                        + z * (-1.0 / 1_307_674_368_000.0 + z * (1.0 / 355_687_428_096_000.0))))));
    y0 - ((z * (0.5 * y1 - v * r) - y1) - v * (-1.0 / 6.0))
}

/// cos(y₀ + y₁) for |y₀| ≤ π/4 (fdlibm `__kernel_cos` with Taylor coefficients to y¹⁶).
#[inline(always)]
fn kernel_cos(y0: f64, y1: f64) -> f64 {
    let z = y0 * y0;
    let r = z
        * (1.0 / 24.0
            + z * (-1.0 / 720.0
                + z * (1.0 / 40_320.0
                    + z * (-1.0 / 3_628_800.0
                        + z * (1.0 / 479_001_600.0
                            + z * (-1.0 / 87_178_291_200.0 + z * (1.0 / 20_922_789_888_000.0)))))));
    let hz = 0.5 * z;
    let w = 1.0 - hz;
    w + (((1.0 - w) - hz) + (z * r - y0 * y1))
}

/// The branch-free part: correct for |x| < [`FAST_COS_LIMIT`], meaningless beyond.
#[inline(always)]
fn cos_reduced(x: f64) -> f64 {
    let t = x * INV_PIO2 + TO_INT;
    let n = t - TO_INT;
    let quadrant = t.to_bits() & 3; // n mod 4 (1.5 · 2⁵² ≡ 0 mod 4, two's complement for n < 0)
    // Exact: n · PIO2_1 has ≤ 53 significant bits, and for n ≠ 0 x and n · PIO2_1 are within a factor 2
    // of each other (Sterbenz).
    let r = x - n * PIO2_1;
    let w = n * PIO2_2;
    let y = r - w;
    let w = n * PIO2_2T - ((r - y) - w);
    let y0 = y - w;
    let y1 = (y - y0) - w;
    let c = kernel_cos(y0, y1);
    let s = kernel_sin(y0, y1);
    let v = if quadrant & 1 == 0 { c } else { s };
    if (quadrant + 1) & 2 != 0 { -v } else { v }
}

/// cos x, fast path for |x| < [`FAST_COS_LIMIT`] (see the module docs), `f64::cos` elsewhere.
#[inline]
pub fn fast_cos(x: f64) -> f64 {
    if x.abs() < FAST_COS_LIMIT {
        cos_reduced(x)
    } else {
        x.cos()
    }
}

/// `out[j] = fast_cos(a[j])` for a block of 8, branch-free in the common case so it vectorises.
#[inline(always)]
fn cos8_body(a: &[f64; 8], out: &mut [f64; 8]) {
    for j in 0..8 {
        out[j] = cos_reduced(a[j]);
    }
    // Any lane out of range, NaN included (`v.abs() < LIMIT` is false for NaN).
    if !a.iter().all(|v| v.abs() < FAST_COS_LIMIT) {
        for j in 0..8 {
            out[j] = fast_cos(a[j]);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn cos8_avx2(a: &[f64; 8], out: &mut [f64; 8]) {
    cos8_body(a, out)
}

/// Force the portable path in tests (the AVX2 path must give the same bits).
#[cfg(test)]
pub(crate) static FORCE_PORTABLE: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// `out[j] = fast_cos(a[j])` for 8 arguments, compiled for AVX2 when the CPU has it (the same bits on every
/// path: only the vector width changes).
#[inline]
pub fn cos8(a: &[f64; 8], out: &mut [f64; 8]) {
    #[cfg(test)]
    if FORCE_PORTABLE.load(std::sync::atomic::Ordering::Relaxed) {
        return cos8_body(a, out);
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { cos8_avx2(a, out) };
    }
    cos8_body(a, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// |fast_cos − cos| ≤ 2⁻⁵² (one ulp of numbers in [1/2, 1]): the Taylor truncation is < 10⁻¹⁷ and the
    /// kernels' rounding ≈ 0.6 ulp of the result (fdlibm's analysis), glibc's own error < 1 ulp, and the
    /// reduction's error ≤ |n| · 2⁻¹²⁴ ≈ 10⁻³¹. Phases as a training produces them (never wrapped, up to
    /// 8·10⁴ turns), points near the quadrant boundaries, and the fallback range.
    #[test]
    fn fast_cos_is_within_an_ulp_of_libm() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let quarter = std::f64::consts::FRAC_PI_2;
        let mut worst = 0.0f64;
        for i in 0..2_000_000 {
            let x = match i % 4 {
                0 => rng.random_range(-10.0..10.0),
                1 => rng.random_range(-10.0..3000.0),
                2 => rng.random_range(-FAST_COS_LIMIT..FAST_COS_LIMIT),
                _ => {
                    let k = rng.random_range(-1000..1000) as f64;
                    (k + 0.5) * quarter + rng.random_range(-1e-9..1e-9)
                }
            };
            let d = (fast_cos(x) - x.cos()).abs();
            worst = worst.max(d);
            assert!(
                d <= f64::EPSILON,
                "x = {x:e}: {} vs {}",
                fast_cos(x),
                x.cos()
            );
        }
        assert!(worst > 0.0, "no difference at all: is the fast path used?");
        for x in [FAST_COS_LIMIT, -2e6, 1e300, 0.0, -0.0] {
            assert_eq!(fast_cos(x), x.cos(), "x = {x:e}");
        }
        assert!(fast_cos(f64::NAN).is_nan() && fast_cos(f64::INFINITY).is_nan());
    }

    /// The AVX2 path and the portable path give identical bits, including blocks with a fallback lane.
    #[test]
    fn cos8_is_the_same_on_every_instruction_set() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        for b in 0..20_000 {
            let mut a = [0.0; 8];
            for v in &mut a {
                *v = rng.random_range(-50.0..5000.0);
            }
            if b % 100 == 0 {
                a[b % 8] = 1e7;
            }
            let run = |portable: bool| {
                FORCE_PORTABLE.store(portable, std::sync::atomic::Ordering::Relaxed);
                let mut c = [0.0; 8];
                cos8(&a, &mut c);
                FORCE_PORTABLE.store(false, std::sync::atomic::Ordering::Relaxed);
                c.map(f64::to_bits)
            };
            assert_eq!(run(true), run(false), "block {b}");
            for j in 0..8 {
                assert_eq!(run(false)[j], fast_cos(a[j]).to_bits());
            }
        }
    }
}
