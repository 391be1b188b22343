"""The console script and `python -m cnncalc`: Ctrl-C is settled before anything heavy is imported."""
import _signal  # not `signal`, whose import of enum would leave a few more ms for a KeyboardInterrupt traceback


def main() -> None:
    # Ctrl-C ends cnncalc as SIGINT ends any program, at once (the shell's status is 130): no
    # KeyboardInterrupt to surface as a traceback from an import, a half-written output or the exit.
    # A SIGINT that the caller ignores (a background job) stays ignored.
    if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
    from .cli import main as run

    run()


if __name__ == "__main__":
    main()
