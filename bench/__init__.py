"""Mat Coach's benchmarks: `python -m bench` (full) or `python -m bench --quick` (smoke).

Every figure is printed next to the same figure for the anchor (`bench.anchor`, a bare
ask-sdk-core hello-world skill), because absolute times depend on the machine while the
ratio to the SDK's own floor is what the targets are about.

This package imports nothing at import time: `bench.anchor` is imported by a fresh process
in the cold-start measurement, and any import here would be charged to the anchor.
"""
