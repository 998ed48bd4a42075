//! Tests of the recorded-rate loader on small CSV files and, when present, on the shared ALM data.

use spikelearn_targets::{ALM_BIN_MS, TargetError, load_rates_csv, load_rates_csv_binned};
use std::path::{Path, PathBuf};

/// A fresh directory under the system temp dir, unique per process and test.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "spikelearn-targets-test-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
    fn write(&self, file: &str, text: &str) -> PathBuf {
        let p = self.0.join(file);
        std::fs::write(&p, text).expect("write temp file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn parses_a_good_file() {
    let dir = TempDir::new("good");
    let p = dir.write(
        "good.csv",
        "# rows: 3 neurons; columns: 4 bins of 20 ms; values: Hz\n\
         1, 2, 3, 4\n\
         10,10,10,10\r\n\
         \n\
         # a second comment\n\
         0,100,0,100\n",
    );
    let r = load_rates_csv(&p).unwrap();
    assert_eq!(r.rates_hz.dim(), (3, 4));
    assert_eq!(r.bin_ms, ALM_BIN_MS);
    assert_eq!(r.source, p);
    assert_eq!(r.rows, vec![0, 1, 2]);
    assert_eq!(r.rates_hz[[0, 2]], 3.0);
    assert_eq!(r.rates_hz[[2, 3]], 100.0);
    assert_eq!(r.duration_ms(), 60.0);
    assert_eq!(r.mean_rates_hz().to_vec(), vec![2.5, 10.0, 50.0]);

    // Mean rates 2.5, 10, 50 Hz: strictly above 5 Hz keeps rows 1 and 2, with their file indices.
    let sel = r.select_mean_rate_above(5.0);
    assert_eq!(sel.rows, vec![1, 2]);
    assert_eq!(sel.rates_hz.row(0).to_vec(), vec![10.0; 4]);
    assert_eq!(r.select_mean_rate_above(10.0).rows, vec![2]);

    let d = r.drop_last_bins(1).unwrap();
    assert_eq!(d.rates_hz.dim(), (3, 3));
    assert_eq!(d.duration_ms(), 40.0);
    assert!(matches!(
        r.drop_last_bins(4),
        Err(TargetError::Shape { .. })
    ));

    // Resample at dt = 5 ms over the full 60 ms: samples at 0, 20, 40, 60 ms; column s at (s + 1)·5 ms.
    // Linear interpolation, Hz → spikes per τ (÷ 100). Tolerance: a few ulps of the arithmetic.
    let x = r.resample(5.0, 12).unwrap();
    assert_eq!(x.dim(), (3, 12));
    let expect_row0 = [
        1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5, 3.75, 4.0,
    ];
    for (s, e) in expect_row0.iter().enumerate() {
        assert!((x[[0, s]] - e / 100.0).abs() < 1e-15, "col {s}");
        assert!((x[[1, s]] - 0.1).abs() < 1e-15);
    }
    assert!((x[[2, 1]] - 0.5).abs() < 1e-15); // 10 ms, halfway 0 → 100 Hz
    assert!((x[[2, 3]] - 1.0).abs() < 1e-15); // 20 ms, 100 Hz
    // Longer than the data: error.
    assert!(matches!(
        r.resample(5.0, 13),
        Err(TargetError::BeyondData { .. })
    ));
    assert!(r.resample(0.0, 1).is_err());

    let binned = load_rates_csv_binned(&p, 50.0).unwrap();
    assert_eq!(binned.duration_ms(), 150.0);
}

#[test]
fn missing_file_names_the_path() {
    let p = Path::new("/nonexistent/dir/rates.csv");
    let err = load_rates_csv(p).unwrap_err();
    assert!(matches!(err, TargetError::Io { .. }));
    assert!(
        err.to_string().contains("/nonexistent/dir/rates.csv"),
        "{err}"
    );
}

#[test]
fn malformed_number_names_file_line_and_column() {
    let dir = TempDir::new("malformed");
    let p = dir.write("bad.csv", "# comment\n1,2,3\n4,x5,6\n");
    let err = load_rates_csv(&p).unwrap_err();
    match &err {
        TargetError::Parse {
            path,
            line,
            column,
            text,
        } => {
            assert_eq!(path, &p);
            assert_eq!((*line, *column), (3, 2));
            assert_eq!(text, "x5");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("bad.csv:3:2"), "{err}");
    // Non-finite values and empty fields are malformed too.
    let p = dir.write("nan.csv", "1,NaN\n");
    assert!(matches!(
        load_rates_csv(&p),
        Err(TargetError::Parse {
            line: 1,
            column: 2,
            ..
        })
    ));
    let p = dir.write("trailing.csv", "1,2,\n");
    assert!(matches!(
        load_rates_csv(&p),
        Err(TargetError::Parse {
            line: 1,
            column: 3,
            ..
        })
    ));
}

#[test]
fn ragged_rows_name_the_line() {
    let dir = TempDir::new("ragged");
    let p = dir.write("ragged.csv", "# c\n# c\n1,2,3\n1,2,3\n1,2\n");
    let err = load_rates_csv(&p).unwrap_err();
    match &err {
        TargetError::Ragged {
            line,
            got,
            expected,
            first_line,
            ..
        } => assert_eq!((*line, *got, *expected, *first_line), (5, 2, 3, 3)),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("ragged.csv:5"), "{err}");
}

#[test]
fn file_without_data_is_an_error() {
    let dir = TempDir::new("empty");
    let p = dir.write("empty.csv", "# only a comment\n\n");
    assert!(matches!(load_rates_csv(&p), Err(TargetError::Empty { .. })));
}

const ALM_DIR: &str = "/work/shared/data/alm";

#[test]
fn loads_the_shared_alm_files_if_present() {
    let right = Path::new(ALM_DIR).join("alm_lickright_rates_hz.csv");
    let left = Path::new(ALM_DIR).join("alm_lickleft_rates_hz.csv");
    if !right.exists() || !left.exists() {
        println!("skipping: ALM data not found in {ALM_DIR}");
        return;
    }
    let r = load_rates_csv(&right).unwrap();
    let l = load_rates_csv(&left).unwrap();
    // Data README: 1824 neurons × 101 bins of 20 ms (−2.0 s … 0 s), every mean rate above 1 Hz.
    for d in [&r, &l] {
        assert_eq!(d.rates_hz.dim(), (1824, 101));
        assert_eq!(d.duration_ms(), 2000.0);
        assert!(d.rates_hz.iter().all(|v| v.is_finite() && *v >= 0.0));
        assert!(d.mean_rates_hz().iter().all(|&m| m > 1.0));
    }
    // README: 558 neurons above 5 Hz in both conditions, 783 above 5 Hz on average over the two.
    let (mr, ml) = (r.mean_rates_hz(), l.mean_rates_hz());
    let both = mr
        .iter()
        .zip(ml.iter())
        .filter(|&(a, b)| *a > 5.0 && *b > 5.0)
        .count();
    let avg = mr
        .iter()
        .zip(ml.iter())
        .filter(|&(a, b)| 0.5 * (a + b) > 5.0)
        .count();
    println!("ALM: {both} neurons > 5 Hz in both conditions, {avg} on average");
    assert_eq!(both, 558);
    assert_eq!(avg, 783);

    // Selection keeps file row indices; resampling the whole 2 s at dt = 1 ms hits every 20 ms sample
    // exactly (up to rounding of t/bin_ms, ~1e-15 relative) and converts Hz → spikes per τ.
    let sel = r.select_mean_rate_above(5.0).drop_last_bins(7).unwrap();
    assert_eq!(sel.n_bins(), 94);
    let x = sel.resample(1.0, 1860).unwrap();
    assert_eq!(x.dim(), (sel.n_neurons(), 1860));
    for (k, &row) in sel.rows.iter().enumerate().step_by(97) {
        for b in [1usize, 50, 93] {
            let want = r.rates_hz[[row, b]] / 100.0;
            assert!((x[[k, b * 20 - 1]] - want).abs() < 1e-12 * want.max(1.0));
        }
    }
    assert!(sel.resample(1.0, 1861).is_err());
}
