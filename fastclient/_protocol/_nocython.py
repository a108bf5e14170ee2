"""What a twin asks of Cython's ``cython`` module when it runs as plain Python: it is not
compiled. A pure twin imports this in place of ``cython``, so it never imports Cython (a
build-time tool) even where Cython is installed; in a compiled twin ``cython.compiled`` is
decided by Cython at compile time and this module is never imported."""

compiled = False
