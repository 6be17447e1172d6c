"""The constants the browser restates (tags, name limits, export formats).

The toolbar needs them before the kernel has answered, so TypeScript keeps its
own copies; this test writes them to ``js/tests/fixtures/contract.json`` and
``js/tests/contract_fixture.test.ts`` checks the TypeScript constants against
that file, so a change on either side fails a test until both agree.
"""

import json
import os
from pathlib import Path

from nbdatalens import annotations, export

FIXTURE = Path(__file__).parents[1] / "js" / "tests" / "fixtures" / "contract.json"


def _contract() -> dict:
    return {
        "about": (
            "Constants of nbdatalens.annotations and nbdatalens.export that js/src/toolbar "
            "restates; js/tests/contract_fixture.test.ts checks them. Regenerate with "
            "NBDATALENS_UPDATE_FIXTURES=1 pytest tests/test_view_contract.py"
        ),
        "builtin_tags": list(annotations.BUILTIN_TAGS),
        "max_tag_length": annotations.MAX_TAG_LENGTH,
        "max_selection_name_length": annotations.MAX_SELECTION_NAME_LENGTH,
        "formats": list(export.FORMATS),
        "suffix_formats": dict(export.SUFFIX_FORMATS),
    }


def test_js_contract_fixture_matches_the_python_constants():
    contract = _contract()
    if os.environ.get("NBDATALENS_UPDATE_FIXTURES"):
        FIXTURE.write_text(json.dumps(contract, indent=2) + "\n", encoding="utf-8")
    committed = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert committed == contract, (
        f"{FIXTURE} is out of date with nbdatalens.annotations / nbdatalens.export; "
        "regenerate it with NBDATALENS_UPDATE_FIXTURES=1 and make js/src/toolbar agree "
        "(npm test checks it)"
    )
