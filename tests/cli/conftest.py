"""In-process CLI runner: ``cli("run", "x.toml")`` -> (exit code, stdout, stderr), no subprocess."""

import pytest


class _Result:
    def __init__(self, code, out, err):
        self.returncode, self.stdout, self.stderr = code, out, err

    def __repr__(self):
        return f"exit {self.returncode}\nstdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-2000:]}"


@pytest.fixture
def cli(capsys):
    from tiangong.cli import main

    def run(*args):
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return _Result(code, out, err)

    return run


def assert_one_line_error(p, *needles):
    """Exit 2, one line ``error: ...`` on stderr containing every needle, no traceback."""
    assert p.returncode == 2, p
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p
    assert lines[0].startswith("error:") and "Traceback" not in p.stderr, p
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.fixture
def assert_error():
    return assert_one_line_error
