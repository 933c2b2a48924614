"""Read Flowmorph models and morph runs in Python, with numpy only.

    import flowmorph
    m = flowmorph.load("models/checkerboard")     # a model folder (model.json + weights.bin)
    lp = m.log_prob(x)                             # x: (n, features); log p(x) in the data's units
    lp = m.log_prob(x, c)                          # a conditional model: c is (n, conditions)

    r = flowmorph.load("runs/fc2cb")               # a run folder (run.json + top.bin + base models)
    y = r.transport(x)                             # source -> target, in the data's units
    x2 = r.transport(y, inverse=True)              # target -> source
    y = r.transport(x, c, target_c=[0.5])          # conditional runs: the rows' own condition c and
                                                   # the condition to morph to (default: c itself)
    r.source.log_prob(x), r.target.log_prob(y)     # the run's base flows are Models too
    r.method, r.has_density                        # f4f / ot-f4f / cfm-f4f: a top flow; ot-cfm: a velocity field
                                                   # integrated by RK4 (no density, inverse = backwards)

The numbers match `flowmorph score` and `flowmorph transport` (see docs/model-format.md for the format
and every rule this file follows). Inputs are rounded to float32 and preprocessed in float32, as the
engine reads data; everything after that is computed in float64 (the engine computes the networks in
float32), so results agree with the CLI to about 1e-5.
"""

import json
import math
import os

import numpy as np

__all__ = ["load", "Model", "Run", "Flow"]

LOG_2PI = math.log(2 * math.pi)
# Spline constants (src/core/spline/kernel.ts; nflows' defaults).
MIN_BIN_WIDTH = 1e-3
MIN_BIN_HEIGHT = 1e-3
MIN_DERIVATIVE = 1e-3


# --------------------------------------------------------------------------------------------- random

class _Rng:
    """xoshiro128** seeded by splitmix32, as src/core/random.ts (only what random permutations need)."""

    M = 0xFFFFFFFF

    def __init__(self, seed):
        x = seed & self.M
        s = []
        for _ in range(4):
            x = (x + 0x9E3779B9) & self.M
            z = x
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & self.M
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & self.M
            s.append((z ^ (z >> 16)) & self.M)
        self.s = s

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (32 - k))) & 0xFFFFFFFF

    def next_u32(self):
        # The output comes from the state before the step; skip(1) is the step.
        r = (self._rotl((self.s[1] * 5) & self.M, 7) * 9) & self.M
        self.skip(1)
        return r

    def skip(self, n):
        """Advance by n draws (what parameter initialisation consumed)."""
        M = self.M
        s0, s1, s2, s3 = self.s
        for _ in range(n):
            t = (s1 << 9) & M
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = ((s3 << 11) | (s3 >> 21)) & M
        self.s = [s0, s1, s2, s3]

    def int(self, n):
        return math.floor(self.next_u32() / 4294967296 * n)

    def permutation(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.int(i + 1)
            p[i], p[j] = p[j], p[i]
        return p


# ------------------------------------------------------------------------------------- the pieces

def _relu(a):
    return np.maximum(a, 0.0)


def _mlp_parts(inputs, context, hidden, blocks, outputs):
    """The residual MLP's parameter pieces in storage order (src/core/nn/mlp-layout.ts):
    (name, shape, draws at initialisation unless the output is zeroed)."""
    I, C, H, O = inputs, context, hidden, outputs
    parts = [("in.w", (max(I, 1), H), I > 0), ("in.b", (H,), True)]
    if C > 0:
        parts.append(("ctx.w", (C, H), True))
    for k in range(blocks):
        parts += [(f"block{k}.w1", (H, H), True), (f"block{k}.b1", (H,), True),
                  (f"block{k}.w2", (H, H), True), (f"block{k}.b2", (H,), True)]
        if C > 0:
            parts.append((f"block{k}.ctx.w", (C, H), True))
    parts += [("out.w", (H, O), "out"), ("out.b", (O,), "out")]
    return parts


class _Mlp:
    """h0 = x W0 + b0 [+ c C0]; per block t = relu(h) W1 + b1 [+ c C], h += relu(t) W2 + b2; y = h Wout + bout."""

    def __init__(self, inputs, context, hidden, blocks, outputs, zero_output):
        self.I, self.C, self.H, self.B, self.O = inputs, context, hidden, blocks, outputs
        self.parts = _mlp_parts(inputs, context, hidden, blocks, outputs)
        self.size = sum(int(np.prod(s)) for _, s, _ in self.parts)
        self.draws = sum(int(np.prod(s)) for _, s, d in self.parts if (d is True) or (d == "out" and not zero_output))
        self.w = None

    def load(self, flat):
        w, o = {}, 0
        for name, shape, _ in self.parts:
            n = int(np.prod(shape))
            w[name] = flat[o:o + n].astype(np.float64).reshape(shape)
            o += n
        self.w = w

    def __call__(self, x, c):
        w = self.w
        n = x.shape[0]
        h = x @ w["in.w"] + w["in.b"] if self.I > 0 else np.zeros((n, self.H)) + w["in.b"]
        if self.C > 0:
            h = h + c @ w["ctx.w"]
        for k in range(self.B):
            t = _relu(h) @ w[f"block{k}.w1"] + w[f"block{k}.b1"]
            if self.C > 0:
                t = t + c @ w[f"block{k}.ctx.w"]
            h = h + _relu(t) @ w[f"block{k}.w2"] + w[f"block{k}.b2"]
        return h @ w["out.w"] + w["out.b"]


def _raw_scale(features, bins, hidden):
    """Raw widths and heights are scaled by 1/sqrt(hidden) before their softmax (spline-params.ts)."""
    P = 3 * bins - 1
    row = np.ones(P)
    row[:2 * bins] = 1.0 / math.sqrt(hidden)
    return np.tile(row, features)


def _softmax(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _knots(raw, bins, min_bin, bound):
    soft = _softmax(raw)
    acc = np.cumsum(min_bin + (1 - bins * min_bin) * soft, axis=-1)
    kn = np.empty(raw.shape[:-1] + (bins + 1,))
    kn[..., 0] = -bound
    kn[..., 1:bins] = 2 * bound * acc[..., :bins - 1] - bound
    kn[..., bins] = bound
    return kn


def _softplus(z):
    return np.where(z > 0, z + np.log1p(np.exp(-np.abs(z))), np.log1p(np.exp(np.minimum(z, 0))))


def rq_spline(v, params, bins, bound, inverse=False):
    """Rational-quadratic spline with identity tails outside [-bound, bound] (src/core/spline/kernel.ts).
    v: (n, d); params: (n, d*(3*bins-1)) raw, per element [K widths, K heights, K-1 interior derivatives].
    Returns the output (n, d) and the per-row log|det| of the map applied."""
    n, d = v.shape
    K = bins
    p = params.reshape(n, d, 3 * K - 1)
    inside = (v >= -bound) & (v <= bound)
    out = v.copy()
    ld = np.zeros((n, d))
    if inside.any():
        vi = v[inside]
        pi = p[inside]
        cw = _knots(pi[:, :K], K, MIN_BIN_WIDTH, bound)
        ch = _knots(pi[:, K:2 * K], K, MIN_BIN_HEIGHT, bound)
        c0 = math.log(math.expm1(1 - MIN_DERIVATIVE))
        dv = np.ones((vi.shape[0], K + 1))
        dv[:, 1:K] = MIN_DERIVATIVE + _softplus(pi[:, 2 * K:] + c0)
        kn = ch if inverse else cw
        # bin b with knots[b] <= v < knots[b+1]; v = bound falls in the last bin
        b = np.sum(vi[:, None] >= kn[:, 1:K], axis=1)
        rows = np.arange(vi.shape[0])
        xk, yk = cw[rows, b], ch[rows, b]
        w = cw[rows, b + 1] - xk
        h = ch[rows, b + 1] - yk
        s = h / w
        d0, d1 = dv[rows, b], dv[rows, b + 1]
        if inverse:
            dy = vi - yk
            e = d0 + d1 - 2 * s
            qa = h * (s - d0) + dy * e
            qb = h * d0 - dy * e
            qc = -s * dy
            disc = np.maximum(qb * qb - 4 * qa * qc, 0.0)
            den = -qb - np.sqrt(disc)
            with np.errstate(divide="ignore", invalid="ignore"):
                xi = np.where(den != 0, 2 * qc / np.where(den != 0, den, 1.0), 0.0)
            xi = np.clip(xi, 0.0, 1.0)
            y = xk + w * xi
        else:
            xi = np.clip((vi - xk) / w, 0.0, 1.0)
        omx = 1 - xi
        t = xi * omx
        den = s + (d0 + d1 - 2 * s) * t
        if not inverse:
            y = yk + h * (s * xi * xi + d0 * t) / den
        q = d1 * xi * xi + 2 * s * t + d0 * omx * omx
        lf = np.log(s * s * q / (den * den))
        out[inside] = y
        ld[inside] = -lf if inverse else lf
    return out, ld.sum(axis=1)


class _Permutation:
    """perm[j] = which input feature becomes output feature j."""

    def __init__(self, perm):
        self.perm = np.asarray(perm, dtype=np.int64)
        self.inv = np.argsort(self.perm)
        self.size = 0
        self.draws = 0

    def load(self, flat):
        pass

    def forward(self, x, c):
        return x[:, self.perm], None

    def inverse(self, y, c):
        return y[:, self.inv], None


class _LULinear:
    """W = L U with L unit lower-triangular, U upper-triangular with diagonal exp(s); y = x W^T + b."""

    def __init__(self, D, identity):
        self.D = D
        self.size = 2 * D * D + 2 * D
        self.draws = 0 if identity else 2 * D * D

    def load(self, flat):
        D = self.D
        f = flat.astype(np.float64)
        lower = f[:D * D].reshape(D, D)
        upper = f[D * D:2 * D * D].reshape(D, D)
        s = f[2 * D * D:2 * D * D + D]
        self.b = f[2 * D * D + D:]
        eye = np.eye(D)
        self.W = (lower + eye) @ (upper + eye * np.exp(s)[None, :])
        self.Winv = np.linalg.inv(self.W)
        self.ld = float(s.sum())

    def forward(self, x, c):
        return x @ self.W.T + self.b, np.full(x.shape[0], self.ld)

    def inverse(self, y, c):
        return (y - self.b) @ self.Winv.T, np.full(y.shape[0], -self.ld)


def _made_masks(D, H, P):
    in_deg = np.arange(1, D + 1)
    hid_deg = (np.arange(H) % max(1, D - 1)) + min(1, D - 1)
    out_deg = np.arange(D * P) // P + 1
    return in_deg, hid_deg, out_deg


class _MaskedAutoregressive:
    """Masked autoregressive spline: a residual MADE gives every feature's spline (autoregressive.ts).
    Masked weights are stored as zeros, so the network runs as a plain residual MLP."""

    def __init__(self, cfg, identity):
        D, K = cfg["features"], cfg["bins"]
        self.D, self.K, self.bound = D, K, cfg["bound"]
        self.net = _Mlp(D, cfg["context"], cfg["hidden"], cfg["blocks"], D * (3 * K - 1), identity)
        self.scale = _raw_scale(D, K, cfg["hidden"])
        self.size, self.draws = self.net.size, self.net.draws

    def load(self, flat):
        self.net.load(flat)

    def forward(self, x, c):
        return rq_spline(x, self.net(x, c) * self.scale, self.K, self.bound, False)

    def inverse(self, z, c):
        # D passes: after pass i, features 0..i of x are exact.
        x = np.zeros_like(z)
        ld = None
        for _ in range(self.D):
            x, ld = rq_spline(z, self.net(x, c) * self.scale, self.K, self.bound, True)
        return x, ld


class _Coupling:
    """Spline coupling: features with (i + parity) even move, conditioned on the others (coupling.ts)."""

    def __init__(self, cfg, parity, identity):
        D, K = cfg["features"], cfg["bins"]
        self.move = [i for i in range(D) if (i + parity) % 2 == 0 or D == 1]
        self.keep = [i for i in range(D) if i not in self.move]
        self.K, self.bound = K, cfg["bound"]
        self.net = _Mlp(len(self.keep), cfg["context"], cfg["hidden"], cfg["blocks"], len(self.move) * (3 * K - 1), identity)
        self.scale = _raw_scale(len(self.move), K, cfg["hidden"])
        self.size, self.draws = self.net.size, self.net.draws

    def load(self, flat):
        self.net.load(flat)

    def _run(self, x, c, inverse):
        params = self.net(x[:, self.keep], c) * self.scale
        y_move, ld = rq_spline(x[:, self.move], params, self.K, self.bound, inverse)
        y = x.copy()
        y[:, self.move] = y_move
        return y, ld

    def forward(self, x, c):
        return self._run(x, c, False)

    def inverse(self, y, c):
        return self._run(y, c, True)


# ------------------------------------------------------------------------------------------- flows

class Flow:
    """A normalizing flow in its own (preprocessed) coordinates: forward = data -> noise (src/core/flow.ts)."""

    def __init__(self, config, seed, weights):
        self.config = config
        D = config["features"]
        self.features, self.context = D, config["context"]
        identity = bool(config["identityInit"])
        rng = _Rng(seed)
        perm = list(range(D))
        ts = []
        for s in range(config["stacks"]):
            if config["permutation"] == "lu":
                t = _LULinear(D, identity)
                rng.skip(t.draws)
                ts.append(t)
            elif D > 1:
                p = rng.permutation(D) if config["permutation"] == "random" else list(range(D - 1, -1, -1))
                ts.append(_Permutation(p))
                perm = [perm[j] for j in p]
            if config["transform"] == "maf":
                t = _MaskedAutoregressive(config, identity)
            elif config["transform"] == "coupling":
                t = _Coupling(config, s % 2, identity)
            else:
                raise ValueError(f"unknown transform {config['transform']!r}")
            # Random permutations come from the same generator as the initial weights, so the draws
            # the initialisation made must be skipped to reach the next permutation.
            if config["permutation"] == "random":
                rng.skip(t.draws)
            ts.append(t)
        if identity and perm != list(range(D)):
            inv = [0] * D
            for j, src in enumerate(perm):
                inv[src] = j
            ts.append(_Permutation(inv))
        need = sum(t.size for t in ts)
        if weights.size != need:
            raise ValueError(f"{weights.size} parameters, the model needs {need}")
        o = 0
        for t in ts:
            t.load(weights[o:o + t.size])
            o += t.size
        self.transforms = ts

    def _ctx(self, c, n):
        if self.context == 0:
            return None
        if c is None:
            raise ValueError(f"this flow needs {self.context} condition column(s)")
        c = np.asarray(c, dtype=np.float64).reshape(n, self.context)
        return c

    def to_noise(self, x, c=None):
        """f(x) and log|det df/dx| per row."""
        x = np.asarray(x, dtype=np.float64)
        c = self._ctx(c, x.shape[0])
        ld = np.zeros(x.shape[0])
        for t in self.transforms:
            x, l = t.forward(x, c)
            if l is not None:
                ld = ld + l
        return x, ld

    def from_noise(self, z, c=None):
        """f^-1(z) and log|det df^-1/dz| per row."""
        z = np.asarray(z, dtype=np.float64)
        c = self._ctx(c, z.shape[0])
        ld = np.zeros(z.shape[0])
        for t in reversed(self.transforms):
            z, l = t.inverse(z, c)
            if l is not None:
                ld = ld + l
        return z, ld

    def log_prob(self, x, c=None):
        z, ld = self.to_noise(x, c)
        return -0.5 * np.sum(z * z, axis=1) - 0.5 * self.features * LOG_2PI + ld


# ------------------------------------------------------------------------------ preprocessing

def _f32(a, cols, what):
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 1 and cols == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] != cols:
        raise ValueError(f"{what}: expected an (n, {cols}) array, got shape {a.shape}")
    return a


def _scale(scaler, a):
    """y = (x - shift) / scale per column, rounded to float32 as the engine stores it."""
    if scaler is None:
        return a.astype(np.float64)
    shift = np.asarray(scaler["shift"], dtype=np.float64)
    scale = np.asarray(scaler["scale"], dtype=np.float64)
    return ((a.astype(np.float64) - shift) / scale).astype(np.float32).astype(np.float64)


def _unscale(scaler, a):
    shift = np.asarray(scaler["shift"], dtype=np.float64)
    scale = np.asarray(scaler["scale"], dtype=np.float64)
    return a * scale + shift


BATCH = 16384


def _batched(fn, n, *arrays):
    """fn over row batches of the arrays (None passes through), outputs stacked: bounds the memory of the
    float64 activations (batch x hidden per layer) on large inputs."""
    if n <= BATCH:
        return fn(*arrays)
    parts = [fn(*(None if a is None else a[s:s + BATCH] for a in arrays)) for s in range(0, n, BATCH)]
    return np.concatenate(parts, axis=0)


def _read_json(path, what):
    if not os.path.exists(path):
        raise FileNotFoundError(f"{os.path.dirname(path)}: not a Flowmorph {what} folder (no {os.path.basename(path)})")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _read_f32(path):
    """weights.bin / top.bin: raw little-endian float32, no header."""
    return np.fromfile(path, dtype="<f4")


def _open(directory, file, fmt, what):
    """Read and check DIR/file (model.json or run.json); fields this reader does not know are ignored."""
    path = os.path.join(directory, file)
    meta = _read_json(path, what)
    if meta.get("format") != fmt:
        raise ValueError(f"{path}: not a {fmt} (format {meta.get('format')!r})")
    if meta.get("version") != 1:
        raise ValueError(f"{path}: {fmt} version {meta.get('version')!r}; this reader knows version 1")
    return meta


def _flow(directory, weights, config, seed):
    try:
        return Flow(config, seed, _read_f32(os.path.join(directory, weights)))
    except ValueError as e:
        raise ValueError(f"{os.path.join(directory, weights)}: {e}") from None


class Model:
    """A base flow with its preprocessing: model.json + weights.bin."""

    def __init__(self, directory):
        self.dir = directory
        self.meta = meta = _open(directory, "model.json", "flowmorph-model", "model")
        self.columns = list(meta.get("columns", []))
        self.condition_columns = list(meta.get("conditionColumns", []))
        self.scaler = meta["scaler"]
        self.condition_scaler = meta.get("conditionScaler")
        self.flow = _flow(directory, "weights.bin", meta["config"], meta["seed"])

    @property
    def features(self):
        return self.flow.features

    @property
    def conditions(self):
        return self.flow.context

    def log_prob(self, x, c=None):
        """log p(x | c) per row in the data's units, as `flowmorph score`."""
        x = _f32(x, self.features, "x")
        xs = _scale(self.scaler, x)
        cs = None
        if self.conditions > 0:
            if c is None:
                raise ValueError(f"the model is conditional: give c with {self.conditions} column(s) ({', '.join(self.condition_columns)})")
            if self.condition_scaler is None:
                raise ValueError("the model is conditional but has no condition scaler")
            cs = _scale(self.condition_scaler, _f32(c, self.conditions, "c"))
        log_det_scaler = -float(np.sum(np.log(np.asarray(self.scaler["scale"], dtype=np.float64))))
        return _batched(self.flow.log_prob, xs.shape[0], xs, cs) + log_det_scaler


def _top_context(mode, C):
    if C == 0 or mode in ("none", "two-bases"):
        return 0
    return 2 * C if mode == "concat" else C


def _field_context(mode, C):
    """Condition columns the ot-cfm velocity field sees besides t (fieldContextDim in f4f.ts)."""
    if C == 0 or mode == "none":
        return 0
    return 2 * C if mode in ("delta", "concat") else C


# src/core/config.ts RUN_FORMAT_OT: what a run.json without some ot setting is read with (frozen).
_DEFAULT_OT = {"hidden": 256, "blocks": 2, "rk4Steps": 20, "space": "data", "fourier": 0}


class _VelocityField:
    """ot-cfm's morph (src/core/cfm.ts): dz/dt = v(z, t | c), the residual MLP with [t, c] as its context
    and z as its input ([z, sin(z B), cos(z B)] with ot.fourier F > 0: B, D x F, stored after the network),
    integrated by fixed-step RK4 from t = 0 to 1 (forward) or from 1 to 0 (inverse)."""

    def __init__(self, features, context, ot):
        self.features, self.context = features, context
        self.steps = int(ot["rk4Steps"])
        if self.steps < 1:
            raise ValueError(f"ot.rk4Steps is {ot['rk4Steps']}, not a positive whole number")
        self.fourier = int(ot["fourier"])
        self.net = _Mlp(features + 2 * self.fourier, 1 + context, int(ot["hidden"]), int(ot["blocks"]), features, False)
        self.B = None

    def load(self, flat):
        size = self.net.size + self.features * self.fourier
        if flat.size != size:
            raise ValueError(f"expected {size} float32 values (the velocity field), found {flat.size}")
        self.net.load(flat[: self.net.size])
        if self.fourier:
            self.B = flat[self.net.size :].astype(np.float64).reshape(self.features, self.fourier)

    def integrate(self, x, c_in, c_out, inverse):
        n = x.shape[0]
        C = self.context
        # The field's condition: both sides' in delta / concat modes, else the rows' own (fieldContext in f4f.ts).
        c = None if C == 0 else (np.concatenate([c_in, c_out], axis=1) if C == 2 * c_in.shape[1] else c_in)

        def v(z, t):
            ctx = np.full((n, 1), np.float32(t), dtype=np.float64)
            if self.B is not None:
                zb = z @ self.B
                z = np.concatenate([z, np.sin(zb), np.cos(zb)], axis=1)
            return self.net(z, ctx if c is None else np.concatenate([ctx, c], axis=1))

        K = self.steps
        h = (-1.0 if inverse else 1.0) / K
        z = x.astype(np.float64)
        for k in range(K):
            t = 1 - k / K if inverse else k / K
            k1 = v(z, t)
            k2 = v(z + k1 * (h / 2), t + h / 2)
            k3 = v(z + k2 * (h / 2), t + h / 2)
            k4 = v(z + k3 * h, t + h)
            z = z + (k1 + k4 + 2 * (k2 + k3)) * (h / 6)
        return z


def _field(directory, features, context, ot):
    f = _VelocityField(features, context, ot)
    try:
        f.load(_read_f32(os.path.join(directory, "top.bin")))
    except ValueError as e:
        raise ValueError(f"{os.path.join(directory, 'top.bin')}: {e}") from None
    return f


def _affine_between(morph, other):
    """a, b with x_other = a * x_morph + b for scalers y = (x - shift) / scale (affineBetween in
    src/jobs/morph-space.ts), rounded to float32 as the engine stores them."""
    ms, mh = np.asarray(morph["scale"], dtype=np.float64), np.asarray(morph["shift"], dtype=np.float64)
    os_, oh = np.asarray(other["scale"], dtype=np.float64), np.asarray(other["shift"], dtype=np.float64)
    f32 = lambda v: v.astype(np.float32).astype(np.float64)
    return f32(ms / os_), f32((mh - oh) / os_)


class _MorphSpaceFlow:
    """A base model seen from a run's morph space (FrozenDensity in src/core/density/frozen-flow.ts): rows
    and conditions mapped into the model's own preprocessing, then through its flow."""

    def __init__(self, model, scaler, condition_scaler):
        self.model = model
        self.a, self.b = _affine_between(scaler, model.scaler)
        self.c_ab = None
        if model.conditions > 0 and condition_scaler is not None and model.condition_scaler is not None:
            self.c_ab = _affine_between(condition_scaler, model.condition_scaler)

    def _c(self, c):
        if self.model.conditions == 0 or c is None:
            return None
        return c if self.c_ab is None else c * self.c_ab[0] + self.c_ab[1]

    def to_noise(self, x, c):
        return self.model.flow.to_noise(x * self.a + self.b, self._c(c))[0]

    def from_noise(self, z, c):
        return (self.model.flow.from_noise(z, self._c(c))[0] - self.b) / self.a


class Run:
    """A morph: run.json + top.bin, and the source and target base models it names."""

    def __init__(self, directory):
        self.dir = directory
        self.meta = meta = _open(directory, "run.json", "flowmorph-run", "run")
        resolve = lambda p: p if os.path.isabs(p) else os.path.join(directory, p)
        self.source = Model(resolve(meta["sourceModel"]))
        self.target = Model(resolve(meta["targetModel"]))
        # A base model re-trained since the run would give another morph (checkRunBase in model-io.ts).
        for side, m in (("source", self.source), ("target", self.target)):
            want = (meta.get("baseSha256") or {}).get(side)
            have = m.meta.get("weightsSha256")
            if want is not None and have is not None and want != have:
                raise ValueError(f"{os.path.join(directory, 'run.json')}: its {side} model {m.dir} has been re-trained since the run was saved; run morph again")
        self.columns = list(meta.get("columns", []))
        self.condition_columns = list(meta.get("conditionColumns", []))
        cfg = meta["config"]
        self.features = meta["features"]
        self.conditions = meta["conditions"]
        # The mode the top flow runs in: none when the run has no conditions (f4f.ts).
        self.mode = "none" if self.conditions == 0 else cfg["mode"]
        C = 0 if cfg["mode"] == "none" else self.conditions
        # Runs saved before the method setting existed are flows for flows.
        self.method = cfg.get("method", "f4f")
        self.top = self.field = None
        if self.method == "ot-cfm":
            self.field = _field(directory, self.features, _field_context(cfg["mode"], C), dict(_DEFAULT_OT, **cfg.get("ot", {})))
        elif self.method in ("f4f", "ot-f4f", "cfm-f4f"):
            top_cfg = dict(cfg["top"], features=self.features, context=_top_context(cfg["mode"], C))
            self.top = _flow(directory, "top.bin", top_cfg, meta["seed"])
        else:
            raise ValueError(f"{os.path.join(directory, 'run.json')}: morph method {self.method!r}; this reader knows f4f, ot-f4f, cfm-f4f and ot-cfm")
        # Morph space: the source model's preprocessing.
        self.scaler = self.source.scaler
        self.condition_scaler = self.source.condition_scaler
        # ot.space "latent": the field carries the source flow's noise to the target flow's (f4f.ts morph).
        self.latent = None
        space = dict(_DEFAULT_OT, **cfg.get("ot", {}))["space"]
        if space not in ("data", "latent"):
            raise ValueError(f"{os.path.join(directory, 'run.json')}: config.ot.space is {space!r}, not one of data, latent")
        if self.field is not None and space == "latent":
            self.latent = tuple(_MorphSpaceFlow(m, self.scaler, self.condition_scaler) for m in (self.source, self.target))

    @property
    def has_density(self):
        """Whether the morph is a flow (f4f, ot-f4f, cfm-f4f); ot-cfm is a velocity field with no density."""
        return self.field is None

    def _g(self, x, c_in, c_out, inverse):
        if self.field is not None:
            if self.latent is None:
                return self.field.integrate(x, c_in, c_out, inverse)
            # Encode with the input side's flow, carry, decode with the output side's; c_in is the source
            # side's condition and c_out the target side's, whichever way the rows go.
            src, tgt = self.latent
            frm, to, c_from, c_to = (tgt, src, c_out, c_in) if inverse else (src, tgt, c_in, c_out)
            return to.from_noise(self.field.integrate(frm.to_noise(x, c_from), c_in, c_out, inverse), c_to)
        top = self.top

        def run(inv, ctx):
            return (top.from_noise(x, ctx) if inv else top.to_noise(x, ctx))[0]

        mode = self.mode
        if mode in ("none", "two-bases"):
            return run(inverse, None)
        if mode == "two-bases-shared":
            return run(inverse, c_in)
        if mode == "concat":
            return run(inverse, np.concatenate([c_in, c_out], axis=1))
        if mode == "delta":
            # The shift, taken in float32 as the engine does; rows whose first column shifts down run the
            # top flow the other way with |shift|, so g(.; -d) = g(.; d)^-1.
            delta = (c_out.astype(np.float32) - c_in.astype(np.float32)).astype(np.float64)
            sign = np.where(delta[:, 0] < 0, -1.0, 1.0)
            absd = delta * sign[:, None]
            y = np.empty_like(x)
            pos = sign > 0
            if pos.any():
                y[pos] = (top.from_noise(x[pos], absd[pos]) if inverse else top.to_noise(x[pos], absd[pos]))[0]
            if (~pos).any():
                y[~pos] = (top.to_noise(x[~pos], absd[~pos]) if inverse else top.from_noise(x[~pos], absd[~pos]))[0]
            return y
        raise ValueError(f"unknown context mode {mode!r}")

    def transport(self, x, c=None, target_c=None, inverse=False):
        """Morph rows of x (the data's units) through g, or g^-1 with inverse=True, as `flowmorph transport`.
        Conditional runs: c is the rows' own condition (n, C); target_c the condition to morph to, (n, C)
        or C values for every row (default: c). In delta / concat modes the top flow sees both."""
        x = _f32(x, self.features, "x")
        n = x.shape[0]
        xm = _scale(self.scaler, x)
        c_in = c_out = None
        if self.conditions > 0:
            C = self.conditions
            if c is None:
                raise ValueError(f"the run is conditional: give c with {C} column(s) ({', '.join(self.condition_columns)})")
            own = _f32(c, C, "c")
            if target_c is None:
                tgt = own
            else:
                t = np.asarray(target_c, dtype=np.float32)
                tgt = np.broadcast_to(t.reshape(1, C), (n, C)) if t.size == C and t.ndim <= 1 else _f32(t, C, "target_c")
            own_m = _scale(self.condition_scaler, own)
            tgt_m = _scale(self.condition_scaler, np.asarray(tgt, dtype=np.float32))
            c_in, c_out = (tgt_m, own_m) if inverse else (own_m, tgt_m)
        y = _batched(lambda xb, ib, ob: self._g(xb, ib, ob, inverse), n, xm, c_in, c_out)
        return _unscale(self.scaler, y)


def load(directory):
    """A model folder (model.json) gives a Model, a run folder (run.json) a Run."""
    if os.path.exists(os.path.join(directory, "run.json")):
        return Run(directory)
    if os.path.exists(os.path.join(directory, "model.json")):
        return Model(directory)
    raise FileNotFoundError(f"{directory}: not a Flowmorph model or run folder (no model.json or run.json)")
