#!/usr/bin/env python3
"""Harvests a whole OAI-PMH provider with Sickle and prints what it got as JSON.

    python3 sickle_harvest.py http://127.0.0.1:PORT/oai

Used by tests/oai_provider.rs (and benches/oai_bench.py): the provider must
work with the client that aggregators' tooling uses. Prints
{"identify": {...}, "records": [[identifier, datestamp, deleted], ...],
 "sets": [...], "seconds": float}."""
import json
import sys
import time

from sickle import Sickle
from sickle.oaiexceptions import NoRecordsMatch

base = sys.argv[1]
sickle = Sickle(base, max_retries=2, timeout=30)
identify = sickle.Identify()
started = time.monotonic()
records = []
try:
    for record in sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False):
        header = record.header
        records.append([header.identifier, header.datestamp, bool(header.deleted)])
except NoRecordsMatch:
    pass
seconds = time.monotonic() - started
sets = [s.setSpec for s in sickle.ListSets()]
per_set = {}
for spec in sys.argv[2:]:
    try:
        per_set[spec] = sorted(h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", set=spec, ignore_deleted=False))
    except NoRecordsMatch:
        per_set[spec] = []
print(json.dumps({
    "identify": {"repositoryName": identify.repositoryName, "granularity": identify.granularity,
                 "deletedRecord": identify.deletedRecord, "baseURL": identify.baseURL},
    "records": records, "sets": sets, "per_set": per_set, "seconds": seconds,
}))
