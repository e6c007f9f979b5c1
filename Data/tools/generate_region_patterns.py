#!/usr/bin/env python3
"""Regenerate Data/numbering/region-number-patterns.csv from a pinned `phonenumbers`.

TollGuard's other numbering files (country codes, premium-rate patterns, short numbers,
international networks, NANP area codes) are copies of the team's reference data, which
carries only the special number types. Telling a fixed line from a mobile, and checking a
number is valid at all, needs each region's general, fixed-line, mobile and voicemail
patterns, its possible lengths and its national-prefix transform rule: this script writes
them from the metadata of the Python port of libphonenumber (Apache-2.0).

    python3 -m venv /tmp/pn && /tmp/pn/bin/pip install phonenumbers==9.0.43
    /tmp/pn/bin/python Data/tools/generate_region_patterns.py > Data/numbering/region-number-patterns.csv

Pin the same version as the other files (see Data/README.md) and regenerate them together.
"""
import csv
import sys

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

TYPES = ["general_desc", "fixed_line", "mobile", "voicemail"]


def lengths(values):
    return ";".join(str(v) for v in values if v != -1)


def main():
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["region", "calling_code", "number_type", "national_number_pattern",
                  "possible_lengths", "possible_lengths_local_only", "national_prefix_transform_rule"])
    metadata = [(r, PhoneMetadata.metadata_for_region(r)) for r in sorted(phonenumbers.SUPPORTED_REGIONS)]
    metadata += [("001", PhoneMetadata.metadata_for_nongeo_region(cc))
                 for cc in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)]
    for region, meta in metadata:
        for name in TYPES:
            desc = getattr(meta, name)
            if desc is None or not desc.national_number_pattern:
                continue
            rule = meta.national_prefix_transform_rule if name == "general_desc" else None
            out.writerow([region, meta.country_code, name, desc.national_number_pattern,
                          lengths(desc.possible_length or ()),
                          lengths(desc.possible_length_local_only or ()),
                          (rule or "").replace("\\", "$")])
    print(f"# generated from phonenumbers {phonenumbers.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
