#!/usr/bin/env python3
"""Numba comparator for `fig3-timing`: a full Figure 3 training (Kim & Chow 2018) with per-neuron dense RLS.

Same workload as `target/release/fig3-timing` (crates/bench/src/bin/fig3-timing.rs, `Fig3Setup` in
crates/bench/src/lib.rs), written the way a competent numba user would: N = 500 theta neurons, p = 0.3,
sigma = 1, tau_s = 20 ms, dt = 1 ms, each training loop = 1000 ms free run + 100 ms stimulus + 1000 ms
window with an RLS step every 2 ms (500 per loop, 15000 in 30 loops), drive training on products of
sines, one dense K_i x K_i matrix P_i per neuron (f64), the RLS step parallel over neurons (numba.prange).

    python3 scripts/numba_baseline/fig3_numba.py --loops 30 --threads 2

Prints per-loop progress, the timing split and a final parseable line

    summary numba_fig3 threads=2 loops=30 train_s=.. learn_s=.. sim_s=.. learn_steps=.. last_pearson=..

See README.md next to this file for what differs from the Rust setup.
"""

import argparse
import os
import sys
import time


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--loops", type=int, default=30, help="training loops (Figure 3: 30)")
    ap.add_argument("--threads", type=int, default=2, help="numba threads (numba.set_num_threads)")
    ap.add_argument("--seed", type=int, default=1, help="seed of W0, initial phases, stimulus, targets")
    ap.add_argument("--tests", type=int, default=5,
                    help="test trials after training (fresh random phases, r = u = 0, no learning; not timed "
                    "as training)")
    ap.add_argument("--n", type=int, default=500, help="number of neurons (Figure 3: 500)")
    ap.add_argument(
        "--qform",
        choices=["rows", "cols"],
        default="rows",
        help="how q = P x is formed: 'rows' (default) = one dot product per row of P, the literal form "
        "(without fastmath each dot product is a serial add chain: latency bound); 'cols' = q = sum_b x_b "
        "P[b, :], an axpy over contiguous rows that vectorises without fastmath (uses the symmetry of P; "
        "about 1.45x faster learning steps on the development VM)",
    )
    ap.add_argument(
        "--serial-sim",
        action="store_true",
        help="run the simulation serially (default: the neuron step and the full u = W r as numba parfors; "
        "faster on idle cores, much slower when another process holds a core)",
    )
    a = ap.parse_args(argv)
    if a.loops < 1 or a.threads < 1 or a.n < 4 or a.tests < 0:
        ap.error("--loops and --threads must be >= 1, --n >= 4, --tests >= 0")
    return a


ARGS = parse_args()
# numba's pool size is fixed at import: allow more threads than cores if asked for
if ARGS.threads > (os.cpu_count() or 1) and "NUMBA_NUM_THREADS" not in os.environ:
    os.environ["NUMBA_NUM_THREADS"] = str(ARGS.threads)

import numpy as np  # noqa: E402
import numba  # noqa: E402
from numba import njit, prange  # noqa: E402

TWO_PI = 2.0 * np.pi

# ----------------------------------------------------------------------------------------------------------
# Parameters (Rust sources in brackets)
# ----------------------------------------------------------------------------------------------------------
TAU_MS = 10.0  # time unit tau = 10 ms [crates/sim/src/units.rs TAU_MS]
P_CONN = 0.3  # connection probability [Fig3Setup, NetworkParams]
SIGMA = 1.0  # W0 strength [Fig3Setup]
TAU_S_MS = 20.0  # synaptic time constant [NetworkParams::default]
DT_MS = 1.0  # step [NetworkParams::default]
PRE_MS = 1000.0  # free run before the stimulus, fixed (pre_jitter_ms = 0) [ProtocolParams::default]
STIM_MS = 100.0  # stimulus duration [ProtocolParams::default]
STIM_AMP = 1.0  # I_i ~ U[-1, 1] [ProtocolParams::default, ProtocolParams::stimulus]
WINDOW_MS = 1000.0  # target window T [ProtocolParams::default]
LEARN_EVERY_MS = 2.0  # RLS interval Delta t [ProtocolParams::default]
LAMBDA = 1.0  # P(0) = I / lambda [ProtocolParams::default]
RESYNC_EVERY = 512  # full u = W r every 512 event-driven steps [crates/sim/src/network.rs]
# products of sines [crates/targets/src/spec.rs ProductOfSinesParams::default, Phases::Independent]
AMP = (0.5, 1.5)
PERIOD1_MS = (500.0, 1000.0)
PERIOD2_MS = (100.0, 500.0)


# ----------------------------------------------------------------------------------------------------------
# Simulation kernels
# ----------------------------------------------------------------------------------------------------------
def _sim_steps(nsteps, theta, r, u, ext, stim_on, dt, decay, inv_tau_s, ptr, idx, val, col_ptr, col_row,
              col_pos, spiked, state, rec, rec_from):
    """Advance `nsteps` steps (Network::run steps 1-4 and the window recorder).

    Per step: x = u + I frozen over the step; RK4 theta step (parallel over neurons) with the authors'
    spike test; r <- decay r + (1/tau_s)[spiked]; u <- decay u + (1/tau_s) sum_{spiked j} W[:, j]
    (event-driven), or u = W r in full when W changed (state[1] = 1) or every RESYNC_EVERY steps.
    state = [steps since the last full product, u stale]. If rec_from >= 0, u after step s is stored in
    rec[rec_from + s].

    Compiled twice (below): with the two neuron loops as numba parfors (default) and serial.
    """
    n = theta.shape[0]
    h2 = 0.5 * dt
    for s in range(nsteps):
        # 1.-2. neurons (input frozen over the step)
        for i in prange(n):
            xi = u[i] + (ext[i] if stim_on else 0.0)
            # tau dtheta/dt = 1 - cos(theta) + x (1 + cos(theta)), classical RK4, four cos per step
            t0 = theta[i]
            c = np.cos(t0)
            k1 = 1.0 - c + xi * (1.0 + c)
            c = np.cos(t0 + h2 * k1)
            k2 = 1.0 - c + xi * (1.0 + c)
            c = np.cos(t0 + h2 * k2)
            k3 = 1.0 - c + xi * (1.0 + c)
            c = np.cos(t0 + dt * k3)
            k4 = 1.0 - c + xi * (1.0 + c)
            nxt = t0 + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            d = nxt - t0
            # spike iff d > 0 and d > mod(pi - mod(theta, 2 pi), 2 pi); theta is never wrapped
            spiked[i] = d > 0.0 and d > (np.pi - t0 % TWO_PI) % TWO_PI
            theta[i] = nxt
        # 3. synaptic filter
        for i in range(n):
            r[i] *= decay
            if spiked[i]:
                r[i] += inv_tau_s
        # 4. drive
        state[0] += 1
        if state[1] != 0 or state[0] >= RESYNC_EVERY:
            for i in prange(n):
                acc = 0.0
                for c in range(ptr[i], ptr[i + 1]):
                    acc += val[c] * r[idx[c]]
                u[i] = acc
            state[1] = 0
            state[0] = 0
        else:
            for i in range(n):
                u[i] *= decay
            for j in range(n):
                if spiked[j]:
                    for c in range(col_ptr[j], col_ptr[j + 1]):
                        u[col_row[c]] += inv_tau_s * val[col_pos[c]]
        # 6. recorder
        if rec_from >= 0:
            for i in range(n):
                rec[rec_from + s, i] = u[i]


# Parallel by default (the neuron loop and the full product as parfors, one launch per step): on idle cores
# the training's simulation took 0.32-0.34 s per 3 loops against 0.47 s serial. The parfors are statically
# scheduled, so each step waits for both threads: with another process busy on a core a step took up to
# 8 ms instead of ~40 us. --serial-sim selects the serial build.
sim_steps_serial = njit(fastmath=False)(_sim_steps)
sim_steps_parallel = njit(parallel=True, fastmath=False)(_sim_steps)


# ----------------------------------------------------------------------------------------------------------
# RLS step: dense per-neuron P_i (K_i x K_i, f64, back to back in one flat array), parallel over neurons
# ----------------------------------------------------------------------------------------------------------
def _rls_step(P, p_off, ptr, idx, w, r, f, xbuf, qbuf, cols):
    """e = f_i - w_i.x, q = P x, c = 1/(1 + x.q), P <- P - c q q^T, w <- w + e c q for every neuron i,
    x = r over row i's plastic inputs. cols = False: q_a = P[a, :].x (one dot product per row of P, the
    literal form); cols = True: q = sum_b x_b P[b, :] (= P x for symmetric P), an axpy over a contiguous
    row that LLVM vectorises without reassociating any sum. `cols` is a compile-time constant of each
    specialisation below."""
    n = ptr.shape[0] - 1
    for i in prange(n):
        a = ptr[i]
        k = ptr[i + 1] - a
        if k == 0:
            continue
        Pi = P[p_off[i]:p_off[i] + k * k].reshape((k, k))
        x = xbuf[a:a + k]
        q = qbuf[a:a + k]
        wi = w[a:a + k]
        wx = 0.0
        for t in range(k):
            x[t] = r[idx[a + t]]
            wx += wi[t] * x[t]
        e = f[i] - wx
        if cols:
            for t in range(k):
                q[t] = 0.0
            for s in range(k):
                xs = x[s]
                for t in range(k):
                    q[t] += Pi[s, t] * xs
        else:
            for s in range(k):
                acc = 0.0
                for t in range(k):
                    acc += Pi[s, t] * x[t]
                q[s] = acc
        xq = 0.0
        for t in range(k):
            xq += x[t] * q[t]
        c = 1.0 / (1.0 + xq)
        for s in range(k):
            cq = c * q[s]
            for t in range(k):
                Pi[s, t] -= cq * q[t]
        ec = e * c
        for t in range(k):
            wi[t] += ec * q[t]


_rls_step_jit = njit(parallel=True, fastmath=False)(_rls_step)


@njit
def rls_step_rows(P, p_off, ptr, idx, w, r, f, xbuf, qbuf):
    """The RLS step with q formed by one dot product per row of P (the literal form)."""
    _rls_step_jit(P, p_off, ptr, idx, w, r, f, xbuf, qbuf, False)


@njit
def rls_step_cols(P, p_off, ptr, idx, w, r, f, xbuf, qbuf):
    """The RLS step with q = sum_b x_b P[b, :] (uses P = P^T)."""
    _rls_step_jit(P, p_off, ptr, idx, w, r, f, xbuf, qbuf, True)


# ----------------------------------------------------------------------------------------------------------
# Setup
# ----------------------------------------------------------------------------------------------------------
class Setup:
    """W0 (CSR + column view), initial phases, stimulus, targets, P(0) = I/lambda; numpy RNG, drawn in the
    order of Fig3Setup::new (weights, phases, stimulus, targets)."""

    def __init__(self, n, seed, window_ms=WINDOW_MS):
        rng = np.random.default_rng(seed)
        self.n = n
        self.dt = DT_MS / TAU_MS  # 0.1 tau
        tau_s = TAU_S_MS / TAU_MS  # 2 tau
        self.inv_tau_s = 1.0 / tau_s
        h = self.inv_tau_s * self.dt
        # RK4 factor of dr/dt = -r/tau_s over dt [Network::new]
        self.decay = 1.0 - h + h * h / 2.0 - h * h * h / 6.0 + h * h * h * h / 24.0
        self.pre = int(round(PRE_MS / DT_MS))
        self.stim = int(round(STIM_MS / DT_MS))
        self.window = int(round(window_ms / DT_MS))
        self.every = int(round(LEARN_EVERY_MS / DT_MS))
        # W0: each j != i with probability p, W_ij = sigma z / sqrt(N p) [SparseRows::gaussian]
        mask = rng.random((n, n)) < P_CONN
        np.fill_diagonal(mask, False)
        z = rng.standard_normal((n, n))
        scale = SIGMA / np.sqrt(n * P_CONN)
        rows, cols = np.nonzero(mask)  # row-major order: CSR with sorted columns
        self.ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=self.ptr[1:])
        self.idx = cols.astype(np.int64)
        self.w0 = (scale * z[rows, cols]).astype(np.float64)
        self.val = self.w0.copy()
        # column view: for each presynaptic j, the rows and CSR positions of its outgoing weights
        order = np.argsort(self.idx, kind="stable")
        self.col_pos = order.astype(np.int64)
        self.col_row = rows[order].astype(np.int64)
        self.col_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.idx, minlength=n), out=self.col_ptr[1:])
        # initial phases U[0, 2 pi) [Theta::reset], stimulus U[-a, a] [ProtocolParams::stimulus]
        self.theta = TWO_PI * rng.random(n)
        self.ext = STIM_AMP * (2.0 * rng.random(n) - 1.0)
        # products of sines, independent phases; column s at t = (s + 1) dt [periodic.rs draw_products]
        amp = rng.uniform(*AMP, n)
        t1 = rng.uniform(*PERIOD1_MS, n)
        t2 = rng.uniform(*PERIOD2_MS, n)
        ph1 = rng.random(n) * t1
        ph2 = rng.random(n) * t2
        t = (np.arange(self.window) + 1.0) * DT_MS
        tg = (amp[None, :] * np.sin(2 * np.pi * (t[:, None] - ph1[None, :]) / t1[None, :])
              * np.sin(2 * np.pi * (t[:, None] - ph2[None, :]) / t2[None, :]))
        self.targets = np.ascontiguousarray(tg)  # step-major: targets[j - 1] = f at window step j
        # RLS state: P_i = I / lambda, dense K_i x K_i, back to back
        k = np.diff(self.ptr)
        self.k = k
        self.p_off = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(k * k, out=self.p_off[1:])
        self.P = np.zeros(self.p_off[-1], dtype=np.float64)
        for i in range(n):
            self.P[self.p_off[i]:self.p_off[i + 1]].reshape(k[i], k[i])[np.diag_indices(k[i])] = 1.0 / LAMBDA
        nnz = self.idx.shape[0]
        self.xbuf = np.zeros(nnz)
        self.qbuf = np.zeros(nnz)
        # network state: r = u = 0 [Network::new]; state = [since_sync, u_stale]
        self.r = np.zeros(n)
        self.u = np.zeros(n)
        self.spiked = np.zeros(n, dtype=np.bool_)
        self.state = np.zeros(2, dtype=np.int64)


def pearson_rows(resp, tgt):
    """Mean over neurons of the Pearson correlation of columns (neurons) of resp and tgt (steps x N);
    a constant column scores 0 [protocol.rs pearson_rows]."""
    a = resp - resp.mean(axis=0)
    b = tgt - tgt.mean(axis=0)
    saa = np.sqrt((a * a).sum(axis=0))
    sbb = np.sqrt((b * b).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (a * b).sum(axis=0) / (saa * sbb)
    const = (np.ptp(resp, axis=0) == 0) | (np.ptp(tgt, axis=0) == 0)
    p = np.where(const, 0.0, np.clip(p, -1.0, 1.0))
    return float(p.mean())


def sim_args(st, rec):
    """The state and constant arguments of `_sim_steps` around its (nsteps, ..., stim_on, ..., rec_from) slots."""
    head = (st.theta, st.r, st.u, st.ext)
    tail = (st.dt, st.decay, st.inv_tau_s, st.ptr, st.idx, st.val, st.col_ptr, st.col_row, st.col_pos,
            st.spiked, st.state, rec)
    return head, tail


def free_run_and_stimulus(st, sim_steps, args, rest):
    """The pre-window phases of a loop or test trial: free run, then stimulus (nothing recorded)."""
    sim_steps(st.pre, *args, False, *rest, -1)
    sim_steps(st.stim, *args, True, *rest, -1)


def train_loop(st, sim_steps, rls, rec, timer):
    """One training loop = one call of Network::run with the learner (state carried over).

    Free run (pre steps), stimulus (stim steps), window: window step j = 1..T, learning after step j for
    j >= 2, j % every == 0 (step 5, after u of step j was formed: one-step lag); then u = W r in full at
    the next step (u stale). Returns (learn seconds, learning steps)."""
    st.state[0] = 0  # since_sync starts at 0 in every run; u_stale carries over
    args, rest = sim_args(st, rec)
    free_run_and_stimulus(st, sim_steps, args, rest)
    learn = 0.0
    calls = 0
    j = 0  # window steps done
    while j < st.window:
        nxt = min(st.window, (j // st.every + 1) * st.every)  # next multiple of `every`
        sim_steps(nxt - j, *args, False, *rest, j)
        j = nxt
        if j >= 2 and j % st.every == 0:
            t0 = timer()
            rls(st.P, st.p_off, st.ptr, st.idx, st.val, st.r, st.targets[j - 1], st.xbuf, st.qbuf)
            learn += timer() - t0
            calls += 1
            st.state[1] = 1  # W changed: u = W r in full at the next step
    return learn, calls


def test_trial(st, sim_steps, rec, rng):
    """A test trial [fig3-timing, protocol.rs test_trial]: fresh phases U[0, 2 pi), r = u = 0, then free run,
    stimulus and window without learning, u recorded over the window."""
    st.theta[:] = TWO_PI * rng.random(st.n)
    st.r[:] = 0.0
    st.u[:] = 0.0
    st.state[:] = 0
    args, rest = sim_args(st, rec)
    free_run_and_stimulus(st, sim_steps, args, rest)
    sim_steps(st.window, *args, False, *rest, 0)
    return pearson_rows(rec, st.targets)


def main():
    a = ARGS
    numba.set_num_threads(a.threads)
    rls = rls_step_rows if a.qform == "rows" else rls_step_cols
    sim = sim_steps_serial if a.serial_sim else sim_steps_parallel
    timer = time.perf_counter

    # JIT warm-up on a tiny problem (same argument types), excluded from every timing
    t0 = timer()
    tiny = Setup(20, 12345, window_ms=10.0)
    tiny.pre, tiny.stim = 5, 3
    rec = np.zeros((tiny.window, tiny.n))
    train_loop(tiny, sim, rls, rec, timer)
    jit_s = timer() - t0

    t0 = timer()
    st = Setup(a.n, a.seed)
    setup_s = timer() - t0
    n = st.n
    nnz = st.idx.shape[0]
    p_mb = st.P.nbytes / 1e6
    print(f"fig3_numba: N = {n}, K ~ {nnz / n:.1f} (nnz {nnz}, K_i {st.k.min()}..{st.k.max()}), "
          f"{a.loops} loops, threads = {numba.get_num_threads()}, layer = {numba.threading_layer()}, "
          f"dense P {p_mb:.0f} MB, q form = {a.qform}, "
          f"simulation {'serial' if a.serial_sim else 'parallel'}", flush=True)
    print(f"  JIT warm-up {jit_s:.2f} s, setup {setup_s:.2f} s (excluded)", flush=True)

    rec = np.zeros((st.window, n))
    learn_s = 0.0
    learn_steps = 0
    last = float("nan")
    t_train = timer()
    for loop in range(a.loops):
        tl = timer()
        ls, calls = train_loop(st, sim, rls, rec, timer)
        learn_s += ls
        learn_steps += calls
        last = pearson_rows(rec, st.targets)
        if not np.all(np.isfinite(st.u)):
            sys.exit(f"diverged in loop {loop + 1}")
        print(f"  loop {loop + 1:3d}: {timer() - tl:6.2f} s (learning {ls:6.2f} s), Pearson {last:.4f}",
              flush=True)
    train_s = timer() - t_train
    sim_s = train_s - learn_s
    dw = np.sqrt(((st.val - st.w0) ** 2).sum())
    t0 = timer()
    test_p = [test_trial(st, sim, rec, np.random.default_rng(1000 * a.seed + k)) for k in range(a.tests)]
    test_s = timer() - t0
    test = float(np.mean(test_p)) if test_p else float("nan")
    print(f"  training            {train_s:8.2f} s  ({learn_steps} learning steps, "
          f"{1e3 * learn_s / max(learn_steps, 1):.2f} ms each)")
    print(f"    learning (RLS)    {learn_s:8.2f} s  ({100 * learn_s / train_s:.0f} %)")
    print(f"    simulation        {sim_s:8.2f} s  ({100 * sim_s / train_s:.0f} %)")
    print(f"  {a.tests} test trials       {test_s:8.2f} s")
    print(f"  last-loop Pearson {last:.4f}, test Pearson {test:.4f}, |W - W0|_F = {dw:.3f}")
    print(f"summary numba_fig3 threads={numba.get_num_threads()} loops={a.loops} train_s={train_s:.3f} "
          f"learn_s={learn_s:.3f} sim_s={sim_s:.3f} learn_steps={learn_steps} last_pearson={last:.5f} "
          f"test_pearson={test:.5f} "
          f"qform={a.qform} sim={'serial' if a.serial_sim else 'parallel'}", flush=True)


if __name__ == "__main__":
    main()
