# coincurve's cffi module: the C library's functions and the ffi object, untyped by nature.
from typing import Any

ffi: Any
lib: Any
