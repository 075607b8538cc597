"""The lab's one error type: a one-line message naming the input and the problem (scripts print it as is)."""


class LabError(ValueError):
    """Bad lab input: a book, a price file, a policy or a simulation setting."""
