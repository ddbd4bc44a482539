"""Throughput/latency benchmarks: the real app under gunicorn against a bare Flask
baseline serving a payload of the same size (see bench/README.md).

Not part of the test suite; run with ``python -m bench.run`` or ``make bench``.
"""
