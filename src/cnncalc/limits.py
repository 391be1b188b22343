"""Documented limits that keep hostile or runaway specs from hanging or exhausting memory.

Each is set so that `check` of the largest spec it allows ends within 2 s and 256 MiB on a 2-core
machine, in every format (bench/limits.py measures it); a spec past one is refused before the work.
"""

MAX_FILE_BYTES = 8 * 1024 * 1024  # a spec file or standard input
MAX_NESTING = 100  # YAML nesting depth
MAX_YAML_NODES = 100_000  # values in one YAML document, aliases counted each time they are used; also the
# words and numbers of the compact notation in one spec
MAX_LAYERS = 10_000  # rows (the input row included) after every repeat is expanded
MAX_INTEGER = 2**31 - 1  # any size, count or parameter written in a spec
MAX_NAME = 1_000  # characters of a spec's name: --format csv prints it on every row
MAX_DIAGNOSTICS = 1_000  # errors and warnings kept per spec; one more says how many were left out

INT64_MAX = 2**63 - 1  # a count past it is a `huge-count` warning: int64 readers cannot hold it exactly
MAX_DIGITS = 4_300  # a number longer cannot be printed (Python's int-to-text limit): `too-large`
