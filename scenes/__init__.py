"""Manim scenes of the self-attention lesson, one file per step.

Importing this package does not import Manim; each scene module does.
"""
