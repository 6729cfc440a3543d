"""Benchmarks (make bench). Each prints JSON; targets are ratios measured in one run."""
