"""The one error type of the generator: a problem the user can fix, said in one line."""


class CodegenError(Exception):
    """Raised for bad input (unknown service, unsuitable flyteidl, unwritable output).

    The command line prints ``str(error)`` on one line and exits with status 2.
    """
