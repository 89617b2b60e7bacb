"""Progress bars for loops that can take more than a few seconds.

One rule everywhere: a bar appears only on a terminal, and only once the loop has run for two
seconds, on standard error; in a log file, a notebook's captured output or a pipe there is
none. It is tqdm's, a well-kept library, rather than a bar of our own.
"""

from __future__ import annotations

from tqdm import tqdm

__all__ = ["DELAY_SECONDS", "progress_bar"]

#: Seconds a loop runs before its bar appears.
DELAY_SECONDS = 2.0


def progress_bar(total: int, description: str, unit: str = "it") -> tqdm:
    """A progress bar for ``total`` steps: shown after two seconds, on a terminal only.

    Examples
    --------
    >>> with progress_bar(3, "reading", unit="file") as bar:
    ...     for _ in range(3):
    ...         _ = bar.update(1)
    """
    return tqdm(
        total=total,
        desc=description,
        unit=unit,
        delay=DELAY_SECONDS,
        disable=None,
        leave=False,
        dynamic_ncols=True,
    )
