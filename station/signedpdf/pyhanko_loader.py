"""pyHanko, loaded once without cryptography's DSA notice (issue 25, at its source).

pyHanko 0.38 (the newest) imports cryptography's `DSAPrivateKey` in
`pyhanko.sign.signers.pdf_cms`, which every part of `pyhanko.sign` loads; since
cryptography 51 that import raises `CryptographyDeprecationWarning: DSA is
deprecated`, two lines on the screen of every start (and in every test run's
summary). The station neither signs nor trusts DSA: this one notice, by its
class and words, is set aside for that one import, and every other warning
still shows. Import this module before anything of `pyhanko.sign` (this
package's `__init__` does; the lab's signer imports it too). Delete it when
pyHanko stops importing DSA.
"""

from __future__ import annotations

import warnings

from cryptography.utils import CryptographyDeprecationWarning

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning)
    import pyhanko.sign.signers.pdf_cms  # noqa: F401 - loaded here, cached for every later import
