"""The service-matter catalogue (事项目录) and validation of filled forms.

- ``forms.catalogue``: load the TOML catalogue (``load_catalogue``) into ``Matter`` objects
- ``forms.validate``: check a filled form (``validate_form``) and an applicant
- ``forms.identity``: resident ID numbers, phone numbers, masking
- ``forms.errors``: every error, each docstring the Chinese message a person reads

The format is described in ``docs/catalogue.md``.  This package knows nothing of
storage, the network or any UI toolkit.
"""
