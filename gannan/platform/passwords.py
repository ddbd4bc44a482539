"""Which passwords an account may have.

Not blank, and not one a guesser tries early: zxcvbn (Dropbox's estimator, with its
ranked lists of the most common passwords, names and words, and keyboard, repeat,
sequence and date patterns) must put it beyond a million guesses (score 2 of 4), with
the account's own e-mail and name counted as known to the guesser.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

from gannan.platform.errors import PlatformErrorCode
from gannan.platform.errors import ValidationFailed

MIN_SCORE = 2  # zxcvbn: 0 "too guessable" (< 10^3 guesses), 1 "very guessable" (< 10^6)
ESTIMATED_LENGTH = 72  # zxcvbn's limit; a longer password is not among the common ones


def check_password(password: str, *, known: tuple[str, ...] = ()) -> None:
    """Raise 422 ``password_blank`` or ``password_too_common`` for a password to refuse."""
    if not password.strip():
        raise ValidationFailed("The password must not be blank or only spaces.",
                               code=PlatformErrorCode.PASSWORD_BLANK, field="password")
    if len(password) > ESTIMATED_LENGTH:
        return
    estimate = zxcvbn(password, user_inputs=[part for part in known if part])
    if estimate["score"] < MIN_SCORE:
        warning = estimate["feedback"]["warning"] or "It is too easy to guess."
        raise ValidationFailed(f"Choose a less common password. {warning}",
                               code=PlatformErrorCode.PASSWORD_TOO_COMMON, field="password")
