"""Tools for course authors: notebook cells with nbgrader metadata, the generated practice and
challenge notebooks, and the proof that the practice keys are what the code does."""
