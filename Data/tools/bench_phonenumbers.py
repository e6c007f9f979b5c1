#!/usr/bin/env python3
"""Baseline for `tollguard-bench classify`: times phonenumbers.parse + number_type.

    bench_phonenumbers.py DIALLED_FILE COUNT ANSWERS_FILE

Reads the first COUNT lines of DIALLED_FILE, times parse(line, "US") + number_type for all of
them, prints "rate <numbers per second>", then writes one answer per line to ANSWERS_FILE
(e164, region, type; "error" when parse raised; e164 empty when the number is invalid).
The benchmark installs phonenumbers==9.0.43, the version TollGuard's Data/ was built from.
"""
import sys
import time

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

NAMES = {
    PhoneNumberType.FIXED_LINE: "fixed_line", PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile", PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate", PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip", PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager", PhoneNumberType.UAN: "uan", PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}


def main():
    path, count, answers_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path, encoding="utf-8") as handle:
        dialled = [line.rstrip("\n") for _, line in zip(range(count), handle)]

    started = time.perf_counter()
    for text in dialled:
        try:
            phonenumbers.number_type(phonenumbers.parse(text, "US"))
        except phonenumbers.NumberParseException:
            pass
    elapsed = time.perf_counter() - started
    print(f"rate {len(dialled) / elapsed:.1f}")
    print(f"version {phonenumbers.__version__}")

    with open(answers_path, "w", encoding="utf-8") as out:
        for text in dialled:
            try:
                number = phonenumbers.parse(text, "US")
            except phonenumbers.NumberParseException:
                out.write("error\n")
                continue
            kind = phonenumbers.number_type(number)
            valid = phonenumbers.is_valid_number(number)
            e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164) if valid else ""
            region = phonenumbers.region_code_for_number(number) if valid else ""
            out.write(f"{e164},{region or ''},{NAMES[kind] if valid else ''}\n")


if __name__ == "__main__":
    main()
