"""What a twin asks of Cython's ``cython`` module when it runs as plain Python without
Cython installed: it is not compiled. (Compiled, ``cython.compiled`` is decided by Cython
at compile time and this module is never imported.)"""

compiled = False
