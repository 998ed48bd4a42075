//! Keeping OpenBLAS single-threaded beside rayon.
//!
//! OpenBLAS's own thread pool competing with rayon's workers was measured 13x slower than single-threaded
//! OpenBLAS inside rayon tasks. The lab does not link OpenBLAS itself (it comes in through
//! `spikelearn-meanfield` → ndarray-linalg with `openblas-system`, i.e. `libopenblas.so`), so the symbol
//! is looked up at run time with `dlsym(RTLD_DEFAULT, "openblas_set_num_threads")`: binaries that link
//! OpenBLAS get it set to 1 thread, others are unaffected and link fine.

/// Sets OpenBLAS to one thread if OpenBLAS is loaded in this process and the `OPENBLAS_NUM_THREADS`
/// environment variable is not set (an explicit setting wins). Returns true when the call was made.
pub fn limit_blas_threads() -> bool {
    if std::env::var_os("OPENBLAS_NUM_THREADS").is_some() {
        return false;
    }
    imp::set_openblas_threads(1)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use std::ffi::{c_char, c_int, c_void};

    unsafe extern "C" {
        // glibc: `void *dlsym(void *handle, const char *symbol)`; Rust's std already links it.
        fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    }

    /// glibc's `RTLD_DEFAULT` is the null handle: search the global symbol scope.
    const RTLD_DEFAULT: *mut c_void = std::ptr::null_mut();

    pub(super) fn set_openblas_threads(n: c_int) -> bool {
        // SAFETY: dlsym only reads the NUL-terminated name and searches the loaded objects.
        let sym = unsafe { dlsym(RTLD_DEFAULT, c"openblas_set_num_threads".as_ptr()) };
        if sym.is_null() {
            return false;
        }
        // SAFETY: OpenBLAS declares `void openblas_set_num_threads(int num_threads)`.
        let set = unsafe { std::mem::transmute::<*mut c_void, unsafe extern "C" fn(c_int)>(sym) };
        // SAFETY: valid function pointer from the loaded library; any positive count is allowed.
        unsafe { set(n) };
        true
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod imp {
    pub(super) fn set_openblas_threads(_n: std::ffi::c_int) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn absent_openblas_is_a_no_op() {
        // The lab's own test binary does not link OpenBLAS: the lookup finds nothing and nothing happens.
        assert!(!super::limit_blas_threads());
    }
}
