"""The one walk of a network (trace.py) and what reads its result: report, memory, budgets, conventions, sizes, diff."""
