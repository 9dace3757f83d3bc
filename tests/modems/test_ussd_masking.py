"""Which fields of a USSD code are taken for a PIN (and masked wherever the code is shown or logged)."""
from __future__ import annotations

import pytest

from modems.ussd import guess_pins, mask_digits, mask_pin


@pytest.mark.parametrize("code,shown", [
    ("*776*1234#", "*776*****#"),  # stock check: the PIN is the only field
    ("*776*1*123456#", "*776*1*******#"),  # a 6-digit PIN after a menu choice
    ("*777*081389092678*10*1234#", "*777*081389092678*10*****#"),  # reload: destination and amount stay
    ("*901*085712345678*10000*5678#", "*901*085712345678*10000*****#"),  # the amount in rupiah stays too
    ("*999*081234567890*1234#", "*999*081234567890*****#"),  # right after the number, but last: a PIN
    ("*771*5678*1234#", "*771**********#"),  # change PIN: new and old
    ("*901*3*5678*1234#", "*901*3**********#"),
    ("*888#", "*888#"),
    ("*1234#", "*1234#"),  # a service code is not a PIN
    ("5678", "****"),  # a menu answer that may be a PIN
    ("1", "1"),
    ("081234567890", "081234567890"),  # a phone number as a menu answer
])
def test_pin_fields_are_masked_and_the_rest_stays(code, shown):
    assert mask_pin(code) == shown


def test_guessed_pins_and_digit_boundaries():
    assert guess_pins("*777*081389092678*10*1234#") == ("1234",)
    assert guess_pins("*888#") == ()
    # in an operator's answer only whole runs of digits are masked, amounts stay readable
    answer = "PIN 1234 salah. Saldo Rp 12.345, Rp 11234"
    assert mask_digits(answer, ["1234"]) == "PIN **** salah. Saldo Rp 12.345, Rp 11234"
