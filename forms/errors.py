"""Errors of the service-matter catalogue and of filled forms.

FormsError                      any problem with the catalogue or a form; the root
├── CatalogueInvalid            a catalogue file has a mistake (names file, matter, field)
├── UnknownMatter               no matter with this code in the catalogue
├── FormInvalid                 a filled form or applicant has one or more bad values
└── FieldProblem                one bad value (used inside FormInvalid)
    ├── FieldRequired, FieldUnknown, FieldPattern, FieldRange, FieldChoice,
    └── FieldType, InvalidResidentId, InvalidPhone, ...

Each docstring is the message a person reads (Chinese, the source language of
the message catalogue); ``{name}`` placeholders are filled from the keyword
arguments given when raising.
"""

from __future__ import annotations


class FormsError(Exception):
    """表单或事项目录有误。"""

    def __init__(self, **params: object) -> None:
        super().__init__(params)
        self.params = params

    def __str__(self) -> str:
        return (self.__doc__ or "").strip().format_map(self.params)
