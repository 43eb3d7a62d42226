"""Arguments shared by several fields, with the description a frontend developer reads."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.upstreams.carehq import MAX_PER_PAGE

CareHQId = Annotated[
    strawberry.ID,
    strawberry.argument(description="A CareHQ id: 24 lowercase hexadecimal digits."),
]
BedfulId = Annotated[
    strawberry.ID,
    strawberry.argument(description="A Bedful id: a positive whole number, as a string."),
]
Page = Annotated[int, strawberry.argument(description="The page to return, counting from 1.")]
PerPage = Annotated[int, strawberry.argument(description=f"Items per page, 1 to {MAX_PER_PAGE}.")]
