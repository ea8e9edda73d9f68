"""Build the optional C extension of the access ledger (everything else is in pyproject.toml).

``mohtasib.ledger._fast`` seals and hashes the records of a large append in C,
with the interpreter lock released (``mohtasib/ledger/_fast.c``). It needs a C
compiler, Python's headers, and the libsodium and OpenSSL headers (Debian:
``gcc python3-dev libsodium-dev libssl-dev``). It is optional: where it cannot be
built the install goes on, and the ledger seals in Python (the same bytes, slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "mohtasib.ledger._fast",
            sources=["mohtasib/ledger/_fast.c"],
            libraries=["sodium", "crypto"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
