"""Grading kernels that run with fewer rights than the instructor (see kernels.py, zygote.py)."""
