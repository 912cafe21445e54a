"""Filing at the village (收件登记): a resident's application becomes a case.

Owns:
- ``new_case``: validating form, applicant and materials, storing them encrypted with
  the case's first event, in one transaction (nothing half-filed survives kill -9);
- ``numbering``: case numbers unique across the network;
- ``pages``, ``media``, ``hotfolder``: scans — checking and normalising pages, what a
  file is, the scanner's folder watched for new pages;
- ``drafts``: 草稿, the wizard's unfinished work, sealed as it goes, with its scans
  already in the material store; filing deletes the draft in the case's transaction;
- ``printing``: the receipt (收件凭证) and the one-time notice, as access events;
- ``matter_search``: finding a matter by Chinese, pinyin or initials.

Must not: talk to a hub (the outbox carries a filed case up), review or decide, or
import Tk.
"""
