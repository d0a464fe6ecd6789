import os
from typing import Any, Optional, Sequence, Union

from .session import Session

PathLike = Union[str, os.PathLike]

def generate_keys(name: str, directory: PathLike, *, device: bool = False) -> tuple[str, str]: ...
def pack(model: PathLike, out: PathLike, *, sign: PathLike, name: str, version: str,
         labels: Optional[Sequence[str]] = None, preprocess: Optional[dict[str, Any]] = None,
         encrypt_for: Sequence[PathLike] = (), golden: bool = True) -> str: ...
def verify(path: PathLike, *, trust_dir: PathLike,
           device_key: Optional[PathLike] = None) -> dict[str, Any]: ...
def open(path: PathLike, *, trust_dir: Optional[PathLike] = None,
         device_key: Optional[PathLike] = None, allow_unsigned: bool = False,
         expect_name: str = "", state_dir: PathLike = "", allow_downgrade: bool = False,
         threads: int = 0, backend: str = "auto") -> Session: ...
