"""--format json: the contract's schema_version 1; one object per spec, an array for several."""
from __future__ import annotations

import json


def render(reports: list, **_options) -> str:
    data = [r.to_dict() for r in reports]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False)
