"""Devices for the roofline: each one's dense peak rate per dtype and its memory bandwidth.

The built-in table holds the figures of each vendor's datasheet, cited beside each device, and
only dense ones: where a datasheet gives a rate "with sparsity" (2:4 structured sparsity, which a
dense convolution cannot use), the figure here is its half, as the datasheet's own footnote says.
A CPU's peak is derived, as its vendor publishes no FLOP rate: cores × clock × SIMD lanes × FMA
units per core × 2 (an FMA is a multiply and an add).

A user's own device is a YAML file in the same fields (`from_data`, reached through
`cnncalc.api.load_device`), validated with positioned errors as a spec is.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from ..diagnostics import ExitCode, Span, SpecError, error
from .memory import DTYPE_BYTES

TERA, GIGA = 10**12, 10**9

# The element counts NVIDIA's tensor cores want a GEMM's or convolution's dimensions (channels in
# and out) to be multiples of: 16 bytes' worth. NVIDIA Deep Learning Performance documentation,
# "Matrix Multiplication Background User's Guide", Tensor Core Requirements, and "Convolutional Layers
# User's Guide", Channels In And Out:
# https://docs.nvidia.com/deeplearning/performance/dl-performance-matrix-multiplication/index.html
# https://docs.nvidia.com/deeplearning/performance/dl-performance-convolutional/index.html
TENSOR_CORE_MULTIPLES = {"tfloat32": 4, "float16": 8, "bfloat16": 8, "int8": 16}


class Device(NamedTuple):
    name: str  # what --device calls it
    label: str  # what its vendor calls it
    bandwidth: int  # memory bandwidth, bytes a second
    peaks: tuple[tuple[str, int], ...]  # (dtype, dense peak in FLOP/s; int8 in operations a second)
    tensor_cores: bool = False  # NVIDIA's tensor cores: judge channel alignment (TENSOR_CORE_MULTIPLES)
    source: str = ""  # where the figures come from

    def peak(self, dtype: str) -> int | None:
        return dict(self.peaks).get(dtype)

    def multiple(self, dtype: str) -> int | None:
        """The channel count the device's tensor cores want a multiple of at `dtype`, if any."""
        return TENSOR_CORE_MULTIPLES.get(dtype) if self.tensor_cores else None

    def check_dtype(self, dtype: str) -> None:
        """ValueError when the device has no peak rate for `dtype`."""
        if self.peak(dtype) is None:
            raise ValueError(f"the device {self.name} has no {dtype} peak rate (it has "
                             f"{', '.join(d for d, _ in self.peaks)})")

    def to_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "bandwidth": self.bandwidth, "peaks": dict(self.peaks),
                "tensor_cores": self.tensor_cores, "source": self.source}


def _rate(text: str, unit: int) -> int:
    return int(Decimal(text) * unit)


def _peaks(**tflops: str) -> tuple[tuple[str, int], ...]:
    return tuple((dtype, _rate(value, TERA)) for dtype, value in tflops.items())


def _halves(**sparse_tflops: str) -> dict[str, str]:
    """Dense rates from a datasheet's rates "with sparsity": "one-half lower without sparsity"."""
    return {dtype: str(Decimal(value) / 2) for dtype, value in sparse_tflops.items()}


_CPU_CORES, _CPU_GHZ, _CPU_LANES, _CPU_FMA_UNITS = 96, "3.7", 8, 2

BUILT_IN = (
    # NVIDIA A100 Tensor Core GPU datasheet, column "A100 80GB SXM": FP32 19.5 TFLOPS; TF32 Tensor
    # Core 156; BFLOAT16 and FP16 Tensor Core 312; INT8 Tensor Core 624 TOPS (the figures without
    # sparsity); GPU memory bandwidth 2,039 GB/s.
    Device("a100", "NVIDIA A100 SXM 80GB", _rate("2039", GIGA),
           _peaks(float32="19.5", tfloat32="156", float16="312", bfloat16="312", int8="624"), True,
           "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/"
           "nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf"),
    # NVIDIA H100 Tensor Core GPU datasheet, column "H100 SXM": FP32 67 TFLOPS; TF32 Tensor Core 989,
    # BFLOAT16 and FP16 1,979, INT8 3,958 TOPS, all "with sparsity" (the footnote: one-half lower
    # without); GPU memory bandwidth 3.35 TB/s.
    Device("h100", "NVIDIA H100 SXM 80GB", _rate("3350", GIGA),
           _peaks(float32="67", **_halves(tfloat32="989", float16="1979", bfloat16="1979", int8="3958")), True,
           "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet"),
    # NVIDIA L4 Tensor Core GPU datasheet: FP32 30.3 TFLOPS; TF32 Tensor Core 120, FP16 and BFLOAT16
    # 242, INT8 485 TOPS, all "with sparsity" (one-half lower without); GPU memory bandwidth 300 GB/s.
    Device("l4", "NVIDIA L4", _rate("300", GIGA),
           _peaks(float32="30.3", **_halves(tfloat32="120", float16="242", bfloat16="242", int8="485")), True,
           "https://resources.nvidia.com/en-us-data-center-overview/l4-gpu-datasheet"),
    # NVIDIA T4 Tensor Core GPU datasheet: single precision (FP32) 8.1 TFLOPS; mixed precision
    # (FP16/FP32) 65 TFLOPS; INT8 130 TOPS (Turing has no sparsity, TF32 nor BF16); GPU memory
    # 16 GB GDDR6, 300 GB/sec.
    Device("t4", "NVIDIA T4", _rate("300", GIGA), _peaks(float32="8.1", float16="65", int8="130"), True,
           "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/tesla-t4/t4-tensor-core-datasheet-951643.pdf"),
    # NVIDIA Jetson AGX Orin Series technical brief and module datasheet, the 64GB module: the GPU's
    # 2048 CUDA cores give 5.3 FP32 TFLOPs and its 64 tensor cores 170 sparse INT8 TOPs (85 dense);
    # 64GB LPDDR5, 204.8 GB/s. NVIDIA gives no FP16, BF16 or TF32 tensor rate for it, so none is here
    # (a device file can add one: README, "On a real device").
    Device("orin", "NVIDIA Jetson AGX Orin 64GB", _rate("204.8", GIGA),
           _peaks(float32="5.3", **_halves(int8="170")), True,
           "https://www.nvidia.com/content/dam/en-zz/Solutions/gtcf21/jetson-orin/nvidia-jetson-agx-orin-technical-brief.pdf"),
    # AMD EPYC 9654 (Zen 4) product page: 96 cores, max. boost clock 3.7 GHz, 12 channels of DDR5-4800,
    # per-socket memory bandwidth 460.8 GB/s. Zen 4 runs AVX-512 on two 256-bit FMA pipes a core:
    # FP32 peak = 96 cores × 3.7 GHz × 8 lanes × 2 FMA units × 2 FLOPs = 11.3664 TFLOP/s (the highest
    # clock, so that the bound stays a bound). Its BF16 and INT8 dot-product rates are not on the page.
    Device("epyc-9654", "AMD EPYC 9654 (one socket)", _rate("460.8", GIGA),
           (("float32", _CPU_CORES * _rate(_CPU_GHZ, GIGA) * _CPU_LANES * _CPU_FMA_UNITS * 2),), False,
           "https://www.amd.com/en/products/processors/server/epyc/4th-generation-9004-and-8004-series/"
           "amd-epyc-9654.html"),
)
DEVICES = {device.name: device for device in BUILT_IN}


def named(name: str) -> Device:
    """A built-in device by its name; SpecError (exit 2) naming the choices otherwise."""
    if name in DEVICES:
        return DEVICES[name]
    from ..model.network import did_you_mean

    hint = did_you_mean(name, DEVICES)
    message = f"no built-in device is called '{name}'" + (f" ({hint})" if hint else "")
    raise SpecError([error("unknown-device", message, suggestions=[
        f"the built-in devices: {', '.join(DEVICES)} (cnncalc devices lists them)",
        "or a device file: --device my-gpu.yaml (README: 'On a real device')"])], ExitCode.USAGE)


# -- a user's device file -----------------------------------------------------------------------------------
FILE_KEYS = ("name", "label", "bandwidth_gb_s", "peak_tflops", "tensor_cores")
EXAMPLE = "bandwidth_gb_s: 900 and peak_tflops: {float32: 14, float16: 112}"


def from_data(data: Any, locations: dict, default_name: str, source: str) -> Device:
    """The device a parsed device file (at `source`) describes; SpecError (exit 2) with every fault, positioned."""
    from ..model.network import did_you_mean
    from ..source.yaml import KEY

    faults = []

    def fail(code: str, message: str, path: tuple, key: bool = False, suggestions=()) -> None:
        span = locations.get(path + (KEY,)) if key else None
        while span is None and path:
            span, path = locations.get(path), path[:-1]
        faults.append(error(code, message, span=span or locations.get(()) or Span(1, 1), suggestions=suggestions))

    if not isinstance(data, dict):
        raise SpecError([error("invalid-device", "a device file is a mapping of its figures",
                               span=locations.get(()) or Span(1, 1), suggestions=[f"write {EXAMPLE}"])],
                        ExitCode.USAGE)
    for key in data:
        if key not in FILE_KEYS:
            hint = did_you_mean(key, FILE_KEYS)
            fail("unknown-key", f"unknown key '{key}' in a device file", (key,), key=True,
                 suggestions=[hint or f"the keys are {', '.join(FILE_KEYS)}"])
    name = data.get("name", default_name)
    label = data.get("label", name)
    for key, value in (("name", name), ("label", label)):
        if not isinstance(value, str) or not value.strip():
            fail("invalid-value", f"{key} must be text", (key,))
    bandwidth = None
    if "bandwidth_gb_s" not in data:
        fail("invalid-device", "the device file gives no bandwidth_gb_s", (), suggestions=[f"write {EXAMPLE}"])
    else:
        bandwidth = _rate_of(data["bandwidth_gb_s"], ("bandwidth_gb_s",), GIGA, fail)
    peaks = []
    rates = data.get("peak_tflops")
    if rates is None:
        fail("invalid-device", "the device file gives no peak_tflops", (), suggestions=[f"write {EXAMPLE}"])
    elif not isinstance(rates, dict) or not rates:
        fail("invalid-value", "peak_tflops maps a dtype to its dense peak rate in TFLOP/s, e.g. "
             "{float32: 14, float16: 112}", ("peak_tflops",))
    else:
        for dtype, value in rates.items():
            if dtype not in DTYPE_BYTES:
                hint = did_you_mean(str(dtype), DTYPE_BYTES)
                fail("invalid-value", f"'{dtype}' is not a dtype", ("peak_tflops", dtype), key=True,
                     suggestions=[hint or f"the dtypes are {', '.join(DTYPE_BYTES)}"])
            elif (rate := _rate_of(value, ("peak_tflops", dtype), TERA, fail)) is not None:
                peaks.append((dtype, rate))
    tensor_cores = data.get("tensor_cores", False)
    if not isinstance(tensor_cores, bool):
        fail("invalid-value", "tensor_cores must be true or false", ("tensor_cores",))
    if faults:
        raise SpecError(faults, ExitCode.USAGE)
    return Device(name, label, bandwidth, tuple(peaks), tensor_cores, source)


_MOST = 10**9  # TFLOP/s or GB/s: a zettaflop or an exabyte a second is a slip of the keyboard


def _rate_of(value: Any, path: tuple, unit: int, fail) -> int | None:
    """A positive number of TFLOP/s or GB/s (`unit` the rate of one) as a whole rate a second."""
    what = ".".join(map(str, path))
    number = None
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            number = Decimal(str(value))  # text too: YAML reads 1e-6, without a point, as text
        except InvalidOperation:
            pass
    if number is None or not number.is_finite() or not 0 < number <= _MOST:
        fail("invalid-value", f"{what} must be a positive number up to {_MOST:,}, got {value!r}", path)
        return None
    if number * unit < 1:
        fail("invalid-value", f"{what} is less than one a second", path)
        return None
    return int(number * unit)
