"""Documented limits that keep hostile or runaway specs from hanging or exhausting memory."""

MAX_FILE_BYTES = 8 * 1024 * 1024  # a spec file or standard input
MAX_NESTING = 100  # YAML nesting depth
MAX_YAML_NODES = 2_000_000  # values in one YAML document, aliases counted each time they are used
MAX_LAYERS = 200_000  # rows (the input row included) after every repeat is expanded; ~1 s and 100 MiB per 20,000
MAX_INTEGER = 2**31 - 1  # any size, count or parameter
